import { ipsOutsidePools, poolIndexOf, type ServiceFacts } from '../domain/runbooks/service-facts.js';
import type { KubeApis } from '../kube/apis.js';
import { readClusterFacts, type FactsScope } from '../kube/cluster-facts.js';
import { pollUntil, type Observation } from './poll.js';

export interface IpsInPoolsWait extends FactsScope {
  /** These Services must also have an IP (e.g. the ones just cleaned up). */
  mustHaveIp: string[];
  deadline: string;
}

function problems(services: ServiceFacts[], w: IpsInPoolsWait, outside: (ips: string[]) => string[]): string[] {
  const served = services.filter((s) => s.served);
  const stray = served.flatMap((s) => outside(s.ips).map((ip) => `${s.key} holds ${ip} (in no pool)`));
  const without = w.mustHaveIp
    .filter((key) => !served.find((s) => s.key === key)?.ips.length)
    .map((key) => `${key} has no IP yet`);
  return [...stray, ...without];
}

async function observe(kube: KubeApis, w: IpsInPoolsWait): Promise<Observation<ServiceFacts[]>> {
  const facts = await readClusterFacts(kube, w);
  const index = poolIndexOf(facts.pools);
  const found = problems(facts.services, w, (ips) => ipsOutsidePools(index, ips));
  return found.length === 0
    ? { done: true, value: facts.services.filter((s) => s.served) }
    : { done: false, seen: found.join('; ') };
}

/** Waits until every MetalLB-served Service's IPs lie inside a pool; returns them all. */
export async function waitForServiceIpsInPools(kube: KubeApis, w: IpsInPoolsWait): Promise<ServiceFacts[]> {
  const what = w.mustHaveIp.length
    ? `${w.mustHaveIp.join(', ')} to get an IP inside a pool (and no Service outside one)`
    : 'every Service IP to be inside a pool';
  return pollUntil({ what, deadline: w.deadline }, () => observe(kube, w));
}
