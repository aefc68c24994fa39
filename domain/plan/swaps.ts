// Pool writes the webhook cannot apply make-before-break: a pool whose new addresses overlap another
// pool's current ones (rename, split, merge, addresses moved between pools). Such writes form a swap
// group, applied back to back: each write once it overlaps no other member's current addresses (deletes
// first; a pool that must give before it can take is first shrunk to what it keeps), with the Services
// whose IPs move between pools pinned to them across the swap.
import { findOverlaps, formatIp, type AddressInterval, type IpFamily } from '../addresses.js';
import type { PoolView } from '../diagnose/pools.js';

/** One IPAddressPool write: create (live null), update, or delete (final null). */
export interface PoolWrite {
  name: string;
  live: PoolView | null;
  final: PoolView | null;
}

/** One write of a swap: the pool's final spec, or first a shrink to the entries it keeps. */
export interface SwapWrite {
  write: PoolWrite;
  /** null: write the final spec (or delete); else update the addresses to these entries only. */
  shrinkTo: string[] | null;
}

/** Pool writes that must be applied together, in this order. */
export interface SwapGroup {
  members: PoolWrite[];
  sequence: SwapWrite[];
}

/** The swap groups, the writes that need none, and the groups no sequence can apply. */
export interface SwapPlan {
  groups: SwapGroup[];
  independent: PoolWrite[];
  /** One line per write that cannot be sequenced (it would have to keep no address at all). */
  impossible: string[];
}

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(name: string): string {
    const parent = this.parent.get(name) ?? name;
    if (parent === name) return name;
    const root = this.find(parent);
    this.parent.set(name, root);
    return root;
  }
  union(a: string, b: string): void {
    this.parent.set(this.find(a), this.find(b));
  }
}

const LIVE = 'live:';
const FINAL = 'final:';

/** Pairs (giver, taker): taker's final addresses overlap giver's live ones. One sweep, O(n log n + k). */
function handovers(writes: readonly PoolWrite[], livePools: readonly PoolView[]): [string, string][] {
  const entries = [
    ...livePools.map((pool) => ({ name: `${LIVE}${pool.name}`, intervals: pool.intervals, avoidBuggyIPs: false })),
    ...writes.flatMap((write) =>
      write.final ? [{ name: `${FINAL}${write.name}`, intervals: write.final.intervals, avoidBuggyIPs: false }] : [],
    ),
  ];
  const pairs = findOverlaps(entries).flatMap((overlap) => {
    const [a, b] = [overlap.pool, overlap.otherPool];
    if (a.startsWith(LIVE) && b.startsWith(FINAL)) return [[a.slice(LIVE.length), b.slice(FINAL.length)]];
    if (a.startsWith(FINAL) && b.startsWith(LIVE)) return [[b.slice(LIVE.length), a.slice(FINAL.length)]];
    return [];
  });
  return (pairs as [string, string][]).filter(([giver, taker]) => giver !== taker);
}

type Span = { family: IpFamily; first: bigint; last: bigint };

function intersectSpans(a: readonly AddressInterval[], b: readonly AddressInterval[]): Span[] {
  const spans: Span[] = [];
  for (const left of a)
    for (const right of b.filter((interval) => interval.family === left.family)) {
      const [first, last] = [
        left.first > right.first ? left.first : right.first,
        left.last < right.last ? left.last : right.last,
      ];
      if (first <= last) spans.push({ family: left.family, first, last });
    }
  return spans;
}

/** A span as a pool entry: a CIDR when it is an aligned block, else "first-last". */
export function entryText({ family, first, last }: Span): string {
  const size = last - first + 1n;
  const aligned = (size & (size - 1n)) === 0n && first % size === 0n;
  if (!aligned) return `${formatIp(family, first)}-${formatIp(family, last)}`;
  const prefix = (family === 'IPv4' ? 32 : 128) - (size.toString(2).length - 1);
  return `${formatIp(family, first)}/${prefix}`;
}

const overlaps = (a: readonly AddressInterval[], b: readonly AddressInterval[]): boolean =>
  intersectSpans(a, b).length > 0;

const asIntervals = (spans: readonly Span[]): AddressInterval[] =>
  spans.map((span) => ({ ...span, text: entryText(span) }));

interface Scheduling {
  /** Addresses each member holds at this point of the sequence ([] once deleted or not yet created). */
  current: Map<string, AddressInterval[]>;
  pending: PoolWrite[];
  sequence: SwapWrite[];
}

// The final spec can be written once it overlaps no other member's current addresses (the webhook's rule).
function writableNow(state: Scheduling, write: PoolWrite): boolean {
  if (write.final === null) return true;
  return [...state.current].every(([name, held]) => name === write.name || !overlaps(held, write.final!.intervals));
}

// No final write fits: shrink a pool that gives addresses away to what it keeps (never to nothing).
function shrinkOne(state: Scheduling): boolean {
  for (const write of state.pending) {
    const held = state.current.get(write.name) ?? [];
    const kept = intersectSpans(held, write.final?.intervals ?? []);
    const keptSize = kept.reduce((sum, span) => sum + span.last - span.first + 1n, 0n);
    const heldSize = held.reduce((sum, span) => sum + span.last - span.first + 1n, 0n);
    if (kept.length === 0 || keptSize === heldSize) continue;
    state.sequence.push({ write, shrinkTo: kept.map(entryText) });
    state.current.set(write.name, asIntervals(kept));
    return true;
  }
  return false;
}

function groupOf(members: readonly PoolWrite[], impossible: string[]): SwapGroup {
  const state: Scheduling = {
    current: new Map(members.map((write) => [write.name, [...(write.live?.intervals ?? [])]])),
    // Deletes first: they only give addresses away.
    pending: [...members].sort((a, b) => Number(a.final !== null) - Number(b.final !== null)),
    sequence: [],
  };
  while (state.pending.length > 0) {
    const next = state.pending.find((write) => writableNow(state, write));
    if (next !== undefined) {
      state.sequence.push({ write: next, shrinkTo: null });
      state.current.set(next.name, [...(next.final?.intervals ?? [])]);
      state.pending = state.pending.filter((write) => write !== next);
    } else if (!shrinkOne(state)) {
      impossible.push(
        `IPAddressPools ${state.pending.map((write) => write.name).join(', ')} cannot be swapped one write at a time`,
      );
      break;
    }
  }
  return { members: [...members], sequence: state.sequence };
}

/** Splits the pool writes into swap groups (connected by address handovers) and independent writes. */
export function planSwaps(writes: readonly PoolWrite[], livePools: readonly PoolView[]): SwapPlan {
  const pairs = handovers(writes, livePools);
  const written = new Set(writes.map((write) => write.name));
  const sets = new UnionFind();
  // A handover from a pool the change leaves alone would overlap in the final config: validation reports it.
  for (const [giver, taker] of pairs) if (written.has(giver)) sets.union(giver, taker);
  const byRoot = new Map<string, PoolWrite[]>();
  for (const write of writes) byRoot.set(sets.find(write.name), [...(byRoot.get(sets.find(write.name)) ?? []), write]);
  const plan: SwapPlan = { groups: [], independent: [], impossible: [] };
  for (const members of byRoot.values()) {
    if (members.length === 1) plan.independent.push(members[0]!);
    else plan.groups.push(groupOf(members, plan.impossible));
  }
  return plan;
}

/** True when the pool's addresses contain the IP. */
export function poolContains(pool: PoolView | null, family: IpFamily, value: bigint): boolean {
  return (
    pool !== null &&
    pool.intervals.some((interval) => interval.family === family && interval.first <= value && value <= interval.last)
  );
}
