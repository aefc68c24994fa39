// IPAddressPools as the controller parses them: addresses (via addresses.ts), capacity, and the
// serviceAllocation rules that decide which Services may take an IP from the pool.
import { parsePoolEntry, poolCapacity, type AddressInterval, type PoolCapacity } from '../addresses.js';
import type { IPAddressPool, Namespace } from '../kube-schemas.js';
import { anySelectorMatches, type LabelSelector } from '../selectors.js';
import type { ObjectRef } from './report.js';
import type { ServiceView } from './services.js';

export interface PoolView {
  pool: IPAddressPool;
  name: string;
  namespace: string | null;
  /** Empty when the pool does not parse. */
  intervals: AddressInterval[];
  /** MetalLB's parse error for the pool, wrapped the way the controller logs it. */
  error: { entry: string | null; message: string } | null;
  capacity: PoolCapacity;
  autoAssign: boolean;
  avoidBuggyIPs: boolean;
  /** serviceAllocation namespaces (listed + selected); "unknown" when Namespace objects are missing. */
  allowedNamespaces: Set<string> | 'unknown' | null;
  serviceSelectors: readonly LabelSelector[];
}

export interface NamespaceIndex {
  /** False when the input had no Namespace objects (file dumps): namespace selectors cannot be judged. */
  known: boolean;
  labels: Map<string, Record<string, string>>;
}

export function indexNamespaces(namespaces: readonly Namespace[]): NamespaceIndex {
  return {
    known: namespaces.length > 0,
    labels: new Map(namespaces.map((n) => [n.metadata.name, n.metadata.labels ?? {}])),
  };
}

function parsePool(pool: IPAddressPool): Pick<PoolView, 'intervals' | 'error'> {
  const name = pool.metadata.name;
  if (pool.spec.addresses.length === 0) {
    return {
      intervals: [],
      error: { entry: null, message: `parsing address pool ${name}: pool has no prefixes defined` },
    };
  }
  const intervals: AddressInterval[] = [];
  for (const entry of pool.spec.addresses) {
    const parsed = parsePoolEntry(entry);
    if (!parsed.ok) {
      const message = `parsing address pool ${name}: invalid CIDR ${JSON.stringify(entry)} in pool ${JSON.stringify(name)}: ${parsed.error}`;
      return { intervals: [], error: { entry, message } };
    }
    intervals.push(parsed.value);
  }
  return { intervals, error: null };
}

// addressPoolServiceAllocationsFromCR: namespaceSelectors resolve to names at parse time.
function allowedNamespaces(pool: IPAddressPool, namespaces: NamespaceIndex): PoolView['allowedNamespaces'] {
  const allocation = pool.spec.serviceAllocation;
  if (!allocation) return null;
  const allowed = new Set(allocation.namespaces ?? []);
  const selectors = allocation.namespaceSelectors ?? [];
  if (selectors.length === 0) return allowed;
  if (!namespaces.known) return 'unknown';
  for (const [name, labels] of namespaces.labels) if (anySelectorMatches(selectors, labels)) allowed.add(name);
  return allowed;
}

export function viewPool(pool: IPAddressPool, namespaces: NamespaceIndex): PoolView {
  const parsed = parsePool(pool);
  const avoidBuggyIPs = pool.spec.avoidBuggyIPs ?? false;
  return {
    pool,
    name: pool.metadata.name,
    namespace: pool.metadata.namespace ?? null,
    ...parsed,
    capacity: poolCapacity(parsed.intervals, avoidBuggyIPs),
    autoAssign: pool.spec.autoAssign ?? true,
    avoidBuggyIPs,
    allowedNamespaces: allowedNamespaces(pool, namespaces),
    serviceSelectors: pool.spec.serviceAllocation?.serviceSelectors ?? [],
  };
}

/**
 * The allocator's isPoolCompatibleWithService. null when it cannot be judged (namespace selectors
 * without Namespace objects). A selector matching no namespace leaves namespaces unrestricted, as in MetalLB.
 */
export function poolAllowsService(pool: PoolView, service: ServiceView): boolean | null {
  const allowed = pool.allowedNamespaces;
  if (allowed === 'unknown') return null;
  if (allowed !== null && allowed.size > 0 && !allowed.has(service.namespace)) return false;
  if (pool.serviceSelectors.length > 0)
    return anySelectorMatches(pool.serviceSelectors, service.service.metadata.labels);
  return true;
}

export function poolRef(pool: Pick<PoolView, 'name' | 'namespace'>): ObjectRef {
  return { kind: 'IPAddressPool', namespace: pool.namespace, name: pool.name };
}

/** Capacity of the family the IP belongs to. */
export const familyCapacity = (pool: PoolView, family: 'IPv4' | 'IPv6'): bigint =>
  family === 'IPv4' ? pool.capacity.ipv4 : pool.capacity.ipv6;
