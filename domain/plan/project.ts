// The projected allocation: what MetalLB's allocator (>= 0.14) does to every served Service when the
// pools become `pools`. First every Service with IPs is checked as convergeBalancer checks it (requested
// IPs, a pool containing them, the address-pool annotation, serviceAllocation); the ones that fail are
// cleared. Then cleared and pending Services are allocated in name order: the requested IPs, else the
// annotated pool, else serviceAllocation pools by priority, else the other autoAssign pools, taking the
// lowest free address in each pool's entry order. Sharing keys are approximated (same key = may share).
import { buildPoolIndex, formatIp, isBuggyIp, type IpFamily, type PoolLookup } from '../addresses.js';
import { poolAllowsService, type PoolView } from '../diagnose/pools.js';
import {
  annotation,
  annotationKey,
  parseServiceIp,
  sharingKey,
  type ServiceIp,
  type ServiceView,
} from '../diagnose/services.js';

/** What the allocator does with one Service. */
export interface ProjectedService {
  view: ServiceView;
  /** IPs afterwards, as text ([] = pending). */
  after: string[];
  /** Pool the IPs come from afterwards. */
  pool: string | null;
  /** True when the Service keeps its current IPs. */
  kept: boolean;
  /** One line: why it keeps, loses, changes or gets its IPs. */
  reason: string;
}

/** The config side of a projection. */
export interface ProjectionInput {
  services: readonly ServiceView[];
  pools: readonly PoolView[];
  /** Which pool held an IP before the change, for the reason text (e.g. `pool "web" narrowed`). */
  previousPool?: (ip: ServiceIp, view: ServiceView) => string | null;
}

type Request = { ips: ServiceIp[]; field: string } | { error: string } | null;

/** spec.loadBalancerIP or the loadBalancerIPs annotation, as getDesiredLbIPs reads them. */
function requestOf(view: ServiceView): Request {
  const value = annotation(view.service, 'loadBalancerIPs') || '';
  const lbIp = view.service.spec?.loadBalancerIP || '';
  if (value !== '' && lbIp !== '') return { error: 'both loadBalancerIPs and spec.loadBalancerIP are set' };
  const field = value !== '' ? annotationKey(view.service, 'loadBalancerIPs') : 'spec.loadBalancerIP';
  return parseRequest(value || lbIp, field);
}

function parseRequest(text: string, field: string): Request {
  const texts = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (texts.length === 0) return null;
  const ips = texts.map(parseServiceIp);
  if (ips.some((ip) => ip === null)) return { error: `${field} ${JSON.stringify(text)} does not parse` };
  return { ips: ips as ServiceIp[], field };
}

const sameIps = (a: readonly ServiceIp[], b: readonly ServiceIp[]): boolean =>
  a.length === b.length && a.every((ip) => b.some((other) => other.canonical === ip.canonical));

const ipList = (ips: readonly { text: string }[]): string => ips.map((ip) => ip.text).join(', ');

function intersect(lists: readonly string[][]): string[] {
  const [head = [], ...rest] = lists;
  return head.filter((name) => rest.every((list) => list.includes(name)));
}

/** Address state of the allocator while the projection runs. */
class AddressBook {
  private readonly used: Record<IpFamily, Map<bigint, string>> = { IPv4: new Map(), IPv6: new Map() };
  // Lowest address of each pool entry that may still be free: allocation only adds, so it only moves up.
  private readonly cursors = new Map<string, bigint>();

  holder(family: IpFamily, value: bigint): string | undefined {
    return this.used[family].get(value);
  }

  take(ips: readonly { family: IpFamily; value: bigint }[], owner: string): void {
    for (const ip of ips) if (!this.used[ip.family].has(ip.value)) this.used[ip.family].set(ip.value, owner);
  }

  /** Lowest free usable address of `family` in the pool, in entry order (AllocateFromPool), or null. */
  lowestFree(pool: PoolView, family: IpFamily): bigint | null {
    for (const [position, interval] of pool.intervals.entries()) {
      if (interval.family !== family) continue;
      const key = `${pool.name}#${position}`;
      let candidate = this.cursors.get(key) ?? interval.first;
      while (candidate <= interval.last && this.unusable(pool, family, candidate)) candidate++;
      this.cursors.set(key, candidate);
      if (candidate <= interval.last) return candidate;
    }
    return null;
  }

  private unusable(pool: PoolView, family: IpFamily, value: bigint): boolean {
    return this.used[family].has(value) || (pool.avoidBuggyIPs && isBuggyIp(family, value));
  }
}

interface Projector {
  poolsByName: Map<string, PoolView>;
  lookup: (ip: ServiceIp) => PoolLookup;
  book: AddressBook;
  sharing: Map<string, string>;
  previousPool: (ip: ServiceIp, view: ServiceView) => string | null;
  automaticPools: { pinned: PoolView[]; open: PoolView[] };
}

function whyNoPool(projector: Projector, view: ServiceView, lookups: readonly PoolLookup[]): string {
  const buggy = view.ips.find((_ip, position) => lookups[position]!.excludedByAvoidBuggyIps.length > 0);
  if (buggy) {
    const pool = lookups[view.ips.indexOf(buggy)]!.excludedByAvoidBuggyIps[0]!;
    return `pool "${pool}" skips ${buggy.text} (avoidBuggyIPs)`;
  }
  const uncovered = view.ips.find((_ip, position) => lookups[position]!.pools.length === 0);
  if (uncovered === undefined) return `no single pool covers ${ipList(view.ips)}`;
  const before = projector.previousPool(uncovered, view);
  if (before === null) return `no pool covers ${uncovered.text}`;
  const fate = projector.poolsByName.has(before) ? 'narrowed' : 'deleted';
  return `no pool covers ${uncovered.text} (pool "${before}" ${fate})`;
}

function whyWrongPool(projector: Projector, view: ServiceView, common: readonly string[]): string | null {
  const wanted = annotation(view.service, 'address-pool');
  if (!wanted || common.includes(wanted)) return null;
  const key = annotationKey(view.service, 'address-pool');
  if (!projector.poolsByName.has(wanted)) return `${key} names pool "${wanted}", which does not exist after the change`;
  return `${key} names pool "${wanted}", but ${ipList(view.ips)} is in pool "${common[0]}"`;
}

type KeepVerdict = { pool: string } | { cleared: string };

/** convergeBalancer for a Service holding IPs: keep them, or why they are cleared. */
function judgeCurrent(projector: Projector, view: ServiceView): KeepVerdict {
  const request = requestOf(view);
  if (request !== null && 'ips' in request && !sameIps(request.ips, view.ips))
    return { cleared: `${request.field} requests ${ipList(request.ips)}, not its current IP` };
  const lookups = view.ips.map(projector.lookup);
  const common = intersect(lookups.map((lookup) => lookup.pools));
  if (common.length === 0) return { cleared: whyNoPool(projector, view, lookups) };
  const wrongPool = whyWrongPool(projector, view, common);
  if (wrongPool !== null) return { cleared: wrongPool };
  const allowed = common.find((name) => poolAllowsService(projector.poolsByName.get(name)!, view) !== false);
  if (allowed === undefined) return { cleared: `serviceAllocation of pool "${common[0]}" no longer matches it` };
  return { pool: allowed };
}

const familiesOf = (view: ServiceView): IpFamily[] => {
  const families = (view.service.spec?.ipFamilies ?? ['IPv4']).filter(
    (f): f is IpFamily => f === 'IPv4' || f === 'IPv6',
  );
  const single = (view.service.spec?.ipFamilyPolicy ?? 'SingleStack') === 'SingleStack';
  return families.length === 0 ? ['IPv4'] : single ? families.slice(0, 1) : families;
};

type Allocation = { ips: { family: IpFamily; value: bigint }[]; pool: string; note: string } | { pending: string };

function fromPool(projector: Projector, view: ServiceView, pool: PoolView): Allocation | null {
  if (pool.error !== null || poolAllowsService(pool, view) === false) return null;
  const ips = familiesOf(view).map((family) => ({ family, value: projector.book.lowestFree(pool, family) }));
  if (ips.some((ip) => ip.value === null)) return null;
  return { ips: ips as { family: IpFamily; value: bigint }[], pool: pool.name, note: '' };
}

function requested(projector: Projector, view: ServiceView, ips: readonly ServiceIp[]): Allocation {
  const [pool] = intersect(ips.map((ip) => projector.lookup(ip).pools));
  if (pool === undefined) return { pending: `requested ${ipList(ips)} is in no pool` };
  if (poolAllowsService(projector.poolsByName.get(pool)!, view) === false)
    return { pending: `requested ${ipList(ips)} is in pool "${pool}", whose serviceAllocation excludes it` };
  const taken = ips.find((ip) => {
    const holder = projector.book.holder(ip.family, ip.value);
    return (
      holder !== undefined &&
      holder !== view.key &&
      (sharingKey(view.service) === '' || projector.sharing.get(holder) !== sharingKey(view.service))
    );
  });
  if (taken)
    return { pending: `requested ${taken.text} is held by ${projector.book.holder(taken.family, taken.value)}` };
  return { ips: [...ips], pool, note: '' };
}

// Lower priority number first, 0/unset last; ties by name (MetalLB's order for ties is not fixed).
const priorityOf = (pool: PoolView): number => pool.pool.spec.serviceAllocation?.priority || Number.MAX_SAFE_INTEGER;
const byPriority = (a: PoolView, b: PoolView): number => priorityOf(a) - priorityOf(b) || (a.name < b.name ? -1 : 1);

function automatic(projector: Projector, view: ServiceView): Allocation {
  const { pinned, open } = projector.automaticPools;
  const allowed = pinned.filter((pool) => poolAllowsService(pool, view) === true);
  for (const pool of [...allowed, ...open]) {
    const allocation = fromPool(projector, view, pool);
    if (allocation === null) continue;
    const unsure =
      !allowed.includes(pool) && open.length > 1 ? ' (MetalLB picks among open pools in no fixed order)' : '';
    return { ...allocation, note: unsure };
  }
  return { pending: 'no pool that allows it has a free address' };
}

// Sorted once: serviceAllocation pools by priority, then the open autoAssign pools by name.
function automaticPools(pools: readonly PoolView[]): Projector['automaticPools'] {
  const automatic = pools.filter((pool) => pool.autoAssign);
  return {
    pinned: automatic.filter((pool) => pool.pool.spec.serviceAllocation).sort(byPriority),
    open: automatic.filter((pool) => !pool.pool.spec.serviceAllocation),
  };
}

/** allocateIPs: the request, else the annotated pool, else the automatic choice. */
function allocate(projector: Projector, view: ServiceView): Allocation {
  const request = requestOf(view);
  if (request !== null && 'error' in request) return { pending: request.error };
  if (request !== null) return requested(projector, view, request.ips);
  const wanted = annotation(view.service, 'address-pool');
  if (!wanted) return automatic(projector, view);
  const pool = projector.poolsByName.get(wanted);
  if (pool === undefined) return { pending: `unknown pool "${wanted}"` };
  return fromPool(projector, view, pool) ?? { pending: `pool "${wanted}" has no free address it may take` };
}

const ipText = (family: IpFamily, value: bigint, view: ServiceView): string =>
  view.ips.find((ip) => ip.family === family && ip.value === value)?.text ?? formatIp(family, value);

function reallocate(projector: Projector, view: ServiceView, cleared: string | null): ProjectedService {
  const allocation = allocate(projector, view);
  const prefix = cleared === null ? '' : `${cleared}; `;
  if ('pending' in allocation)
    return { view, after: [], pool: null, kept: false, reason: `${prefix}${allocation.pending}` };
  projector.book.take(allocation.ips, view.key);
  projector.sharing.set(view.key, sharingKey(view.service));
  const after = allocation.ips.map((ip) => ipText(ip.family, ip.value, view));
  const sharing = sharingKey(view.service) ? ' (sharing keys approximated)' : '';
  const reason = `${prefix}gets ${after.join(', ')} from pool "${allocation.pool}"${allocation.note}${sharing}`;
  return { view, after, pool: allocation.pool, kept: false, reason };
}

const byKey = (a: ServiceView, b: ServiceView): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Every Service's fate under the new pools, keyed by `namespace/name`. O(services × log pools). */
export function projectAllocations(input: ProjectionInput): Map<string, ProjectedService> {
  const valid = input.pools.filter((pool) => pool.error === null);
  const index = buildPoolIndex(valid);
  const projector: Projector = {
    poolsByName: new Map(valid.map((pool) => [pool.name, pool])),
    lookup: (ip) => index.lookupParsed(ip.family, ip.value),
    book: new AddressBook(),
    sharing: new Map(),
    previousPool: input.previousPool ?? (() => null),
    automaticPools: automaticPools(valid),
  };
  const result = new Map<string, ProjectedService>();
  const waiting: { view: ServiceView; cleared: string | null }[] = [];
  for (const view of [...input.services].sort(byKey)) {
    if (view.ips.length === 0) {
      waiting.push({ view, cleared: null });
      continue;
    }
    const verdict = judgeCurrent(projector, view);
    if ('cleared' in verdict) {
      waiting.push({ view, cleared: verdict.cleared });
      continue;
    }
    projector.book.take(view.ips, view.key);
    projector.sharing.set(view.key, sharingKey(view.service));
    result.set(view.key, {
      view,
      after: view.ips.map((ip) => ip.text),
      pool: verdict.pool,
      kept: true,
      reason: `stays in pool "${verdict.pool}"`,
    });
  }
  for (const { view, cleared } of waiting) result.set(view.key, reallocate(projector, view, cleared));
  return result;
}
