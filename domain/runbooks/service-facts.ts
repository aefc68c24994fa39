// What the runbooks need to know about Services and pools, reduced to plain data an activity can
// return into workflow history, and the "is this IP in a pool" questions asked of it.
import { buildPoolIndex, parsePoolAddresses, type PoolIndex } from '../addresses.js';

/** The Service fields MetalLB reads and writes, nothing else. */
export interface ServiceFacts {
  /** "namespace/name" */
  key: string;
  /** type LoadBalancer and the load-balancer class MetalLB serves. */
  served: boolean;
  /** status.loadBalancer.ingress[].ip */
  ips: string[];
  loadBalancerIP: string | null;
  /** Only metallb.io/*, metallb.universe.tf/* and this tool's own annotations. */
  annotations: Record<string, string>;
  resourceVersion: string;
}

/** An IPAddressPool, reduced to what the runbooks read. */
export interface PoolFacts {
  name: string;
  addresses: string[];
  avoidBuggyIPs: boolean;
}

/** Every LoadBalancer Service and every pool, as one read found them. */
export interface ClusterFacts {
  services: ServiceFacts[];
  pools: PoolFacts[];
}

const keptPrefixes = ['metallb.io/', 'metallb.universe.tf/', 'metallb-runbooks/'];

/** Only the annotations MetalLB or this tool read, so nothing else reaches a history. */
export function metallbAnnotations(all: Record<string, string> | undefined | null): Record<string, string> {
  return Object.fromEntries(Object.entries(all ?? {}).filter(([k]) => keptPrefixes.some((p) => k.startsWith(p))));
}

/** Pools that do not parse are left out: MetalLB cannot allocate from them either. */
export function poolIndexOf(pools: readonly PoolFacts[]): PoolIndex {
  const parsed = pools.flatMap((p) => {
    const intervals = parsePoolAddresses(p.addresses);
    return intervals.ok ? [{ name: p.name, intervals: intervals.value, avoidBuggyIPs: p.avoidBuggyIPs }] : [];
  });
  return buildPoolIndex(parsed);
}

/** The IPs that lie in no pool of `index`. */
export function ipsOutsidePools(index: PoolIndex, ips: readonly string[]): string[] {
  return ips.filter((ip) => index.poolsContaining(ip).length === 0);
}

/** Comma-separated IP list as MetalLB's loadBalancerIPs annotation holds it. */
export function splitIpList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Same IPs, in any order. */
export function sameIps(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().every((ip, i) => ip === [...b].sort()[i]);
}
