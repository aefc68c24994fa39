// A pool's spec.addresses as MetalLB parses them (ParseCIDR): each entry becomes one CIDR, or for an
// `a-b` range the CIDRs ipaddr.Summarize makes of it. Aggregation and overlap messages quote these.
import { formatIp, parseIp, parsePoolEntry, type AddressInterval, type IpFamily } from '../addresses.js';
import { goQuote } from './go-format.js';
import type { Entity } from './model.js';
import type { PoolSpec } from './shapes.js';

/** One summarised CIDR. */
export interface Cidr {
  family: IpFamily;
  first: bigint;
  last: bigint;
  prefix: number;
}

/** One spec.addresses entry, parsed or not. */
export interface PoolEntry {
  index: number;
  text: string;
  /** null when the entry is invalid. */
  cidrs: Cidr[] | null;
  /** MetalLB's error for an invalid entry; a mixed-family range has none (MetalLB takes it, empty). */
  error: string | null;
  /** `a-b` with one IPv4 and one IPv6 end that MetalLB accepts as an empty entry. */
  emptyMixedRange: boolean;
}

const BITS: Record<IpFamily, number> = { IPv4: 32, IPv6: 128 };

/** ipaddr.Summarize: the fewest aligned CIDRs that cover exactly [first, last]. */
export function summarize({ family, first, last }: Pick<AddressInterval, 'family' | 'first' | 'last'>): Cidr[] {
  const bits = BITS[family];
  const cidrs: Cidr[] = [];
  let start = first;
  while (start <= last) {
    let hostBits = 0;
    while (hostBits < bits) {
      const size = 1n << BigInt(hostBits + 1);
      if (start % size !== 0n || start + size - 1n > last) break;
      hostBits++;
    }
    const end = start + (1n << BigInt(hostBits)) - 1n;
    cidrs.push({ family, first: start, last: end, prefix: bits - hostBits });
    start = end + 1n;
  }
  return cidrs;
}

/** net.IPNet.String of a CIDR. */
export const formatCidr = (cidr: Cidr): string => `${formatIp(cidr.family, cidr.first)}/${cidr.prefix}`;

// Go compares the 16-byte forms, where IPv4 is ::ffff:a.b.c.d: an IPv6 start above an IPv4 end is
// "after" it; the other way round ipaddr.Summarize returns nothing and the entry holds no address.
function mixedRange(text: string): { error: string } | 'empty' | null {
  const dash = text.indexOf('-');
  if (dash < 0) return null;
  const start = parseIp(text.slice(0, dash).trim());
  const end = parseIp(text.slice(dash + 1).trim());
  if (start === null || end === null || start.family === end.family) return null;
  const as16 = (ip: { family: IpFamily; value: bigint }) =>
    ip.family === 'IPv4' ? (0xffffn << 32n) | ip.value : ip.value;
  if (as16(start) <= as16(end)) return 'empty';
  const [from, to] = [formatIp(start.family, start.value), formatIp(end.family, end.value)];
  return { error: `invalid IP range ${goQuote(text)}: start IP ${goQuote(from)} is after the end IP ${goQuote(to)}` };
}

function parseEntry(text: string, index: number): PoolEntry {
  const mixed = mixedRange(text);
  if (mixed === 'empty') return { index, text, cidrs: [], error: null, emptyMixedRange: true };
  if (mixed !== null) return { index, text, cidrs: null, error: mixed.error, emptyMixedRange: false };
  const parsed = parsePoolEntry(text);
  if (!parsed.ok) return { index, text, cidrs: null, error: parsed.error, emptyMixedRange: false };
  return { index, text, cidrs: summarize(parsed.value), error: null, emptyMixedRange: false };
}

const parsedPools = new WeakMap<Entity<PoolSpec>, PoolEntry[]>();

/** Every entry of a pool, parsed once per pool object. */
export function poolEntries(pool: Entity<PoolSpec>): PoolEntry[] {
  let entries = parsedPools.get(pool);
  if (entries === undefined) {
    entries = pool.spec.addresses.map(parseEntry);
    parsedPools.set(pool, entries);
  }
  return entries;
}

/** True when every entry parses and there is at least one: MetalLB builds the pool. */
export const poolParses = (pool: Entity<PoolSpec>): boolean =>
  pool.spec.addresses.length > 0 && poolEntries(pool).every((entry) => entry.cidrs !== null);
