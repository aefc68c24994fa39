// Which Services cleanup-orphans may touch and exactly what it removes from each. An orphan is a
// MetalLB-served Service with an ingress IP in no pool, a request no pool can serve, or a pool
// annotation naming a pool that does not exist. Everything else is left alone.
import type { PoolIndex } from '../addresses.js';
import { ipsOutsidePools, poolIndexOf, splitIpList, type ClusterFacts, type ServiceFacts } from './service-facts.js';

export const requestAnnotations = ['metallb.io/loadBalancerIPs', 'metallb.universe.tf/loadBalancerIPs'] as const;
const poolAnnotations = ['metallb.io/address-pool', 'metallb.universe.tf/address-pool'] as const;
// Written by MetalLB <= 0.14.8 and never removed since (MetalLB issue #2642).
const legacyAllocatedFrom = 'metallb.universe.tf/ip-allocated-from-pool';

export type ServiceState = 'healthy' | 'pending' | 'orphan' | 'not-served';

export interface OrphanPlan {
  service: string;
  /** One line per problem found. */
  reasons: string[];
  removeLoadBalancerIP: boolean;
  removeAnnotations: string[];
  /** The ingress IPs lie in no pool: clear status.loadBalancer if they still do after the removals. */
  clearIngress: boolean;
  ips: string[];
}

export interface ServiceVerdict {
  service: string;
  state: ServiceState;
  plan: OrphanPlan | null;
}

interface Lookup {
  index: PoolIndex;
  poolNames: Set<string>;
}

function unservableRequests(svc: ServiceFacts, lookup: Lookup): { field: string; ips: string[] }[] {
  const requests = [
    { field: 'spec.loadBalancerIP', ips: svc.loadBalancerIP ? [svc.loadBalancerIP] : [] },
    ...requestAnnotations.map((key) => ({ field: key, ips: splitIpList(svc.annotations[key]) })),
  ];
  return requests.filter((r) => ipsOutsidePools(lookup.index, r.ips).length > 0);
}

function stalePoolAnnotations(svc: ServiceFacts, lookup: Lookup): { key: string; pool: string }[] {
  return [...poolAnnotations, legacyAllocatedFrom]
    .map((key) => ({ key, pool: svc.annotations[key] ?? '' }))
    .filter((a) => a.pool !== '' && !lookup.poolNames.has(a.pool));
}

function planFor(svc: ServiceFacts, lookup: Lookup): OrphanPlan | null {
  const outside = ipsOutsidePools(lookup.index, svc.ips);
  const requests = unservableRequests(svc, lookup);
  const stale = stalePoolAnnotations(svc, lookup);
  if (outside.length === 0 && requests.length === 0 && stale.length === 0) return null;
  const reasons = [
    ...(outside.length ? [`holds ${outside.join(', ')}, which is in no IPAddressPool`] : []),
    ...requests.map((r) => `${r.field} requests ${r.ips.join(', ')}, which no IPAddressPool can serve`),
    ...stale.map((a) => `${a.key} names pool ${a.pool}, which does not exist`),
  ];
  return {
    service: svc.key,
    reasons,
    removeLoadBalancerIP: requests.some((r) => r.field === 'spec.loadBalancerIP'),
    removeAnnotations: [
      ...requests.filter((r) => r.field !== 'spec.loadBalancerIP').map((r) => r.field),
      ...stale.map((a) => a.key),
    ],
    clearIngress: outside.length > 0,
    ips: svc.ips,
  };
}

export function judgeService(svc: ServiceFacts, lookup: Lookup): ServiceVerdict {
  if (!svc.served) return { service: svc.key, state: 'not-served', plan: null };
  const plan = planFor(svc, lookup);
  if (plan) return { service: svc.key, state: 'orphan', plan };
  return { service: svc.key, state: svc.ips.length > 0 ? 'healthy' : 'pending', plan: null };
}

export function lookupFor(facts: ClusterFacts): Lookup {
  return { index: poolIndexOf(facts.pools), poolNames: new Set(facts.pools.map((p) => p.name)) };
}

export function judgeServices(facts: ClusterFacts): ServiceVerdict[] {
  const lookup = lookupFor(facts);
  return facts.services.map((svc) => judgeService(svc, lookup));
}

/** Why a Service named on the command line will not be touched, or null if it is an orphan. */
export function refusalFor(verdict: ServiceVerdict | undefined, key: string, facts: ClusterFacts): string | null {
  if (!verdict) return `Service ${key} does not exist`;
  if (verdict.state === 'orphan') return null;
  if (verdict.state === 'not-served')
    return `Service ${key} is not served by MetalLB (not type LoadBalancer, or another load-balancer class)`;
  if (verdict.state === 'pending')
    return `Service ${key} has no IP yet and nothing stale to remove; cleanup-orphans leaves it alone (run diagnose to see why it is pending)`;
  const ips = facts.services.find((s) => s.key === key)?.ips.join(', ') ?? '';
  return `Service ${key} is healthy (${ips} is inside an IPAddressPool); cleanup-orphans never touches healthy Services`;
}
