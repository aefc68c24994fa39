import { scopedIpProblems, type HeldIps } from '../domain/runbooks/ip-check.js';
import type { ServiceFacts } from '../domain/runbooks/service-facts.js';
import type { KubeApis } from '../kube/apis.js';
import { readClusterFacts, type FactsScope } from '../kube/cluster-facts.js';
import { pollUntil, type Observation } from './poll.js';

/** The final check of a runbook, scoped to what it touched (see domain/runbooks/ip-check.ts). */
export interface IpsInPoolsWait extends FactsScope {
  /** Services this run changed: each must end with an IP inside a pool. */
  mustHaveIp: string[];
  /** Services that held IPs when the run started: those inside a pool must still hold one (absent: none checked). */
  mustKeepIp?: HeldIps[];
  deadline: string;
}

async function observe(kube: KubeApis, wait: IpsInPoolsWait): Promise<Observation<ServiceFacts[]>> {
  const facts = await readClusterFacts(kube, wait);
  const check = { placed: wait.mustHaveIp, held: wait.mustKeepIp ?? [] };
  const problems = scopedIpProblems(facts.services, facts.pools, check);
  return problems.length === 0
    ? { done: true, value: facts.services.filter((s) => s.served) }
    : { done: false, seen: problems.join('; ') };
}

/**
 * Waits until the Services the run changed hold an IP inside a pool and no Service that held one
 * before has lost it; returns every MetalLB-served Service, for the before/after report.
 */
export async function waitForServiceIpsInPools(kube: KubeApis, wait: IpsInPoolsWait): Promise<ServiceFacts[]> {
  const kept = wait.mustKeepIp?.length ?? 0;
  const what = wait.mustHaveIp.length
    ? `${wait.mustHaveIp.join(', ')} to get an IP inside a pool, and the others that held one inside a pool to keep it`
    : `the ${kept} Service(s) that held an IP inside a pool to still hold one`;
  return pollUntil({ what, deadline: wait.deadline }, () => observe(kube, wait));
}
