// cleanup-orphans' view of the shared orphan model (domain/orphans.ts): verdicts over the reduced
// ClusterFacts the workflows carry, and why a Service named on the command line is refused.
import { indexNamespaces, viewPool } from '../diagnose/pools.js';
import { viewService, type ServiceView } from '../diagnose/services.js';
import type { IPAddressPool, Service } from '../kube-schemas.js';
import { judgeServiceViews, orphanContextOf, type ServiceVerdict } from '../orphans.js';
import type { ClusterFacts, PoolFacts, ServiceFacts } from './service-facts.js';

export { requestAnnotations, type OrphanPlan, type ServiceState, type ServiceVerdict } from '../orphans.js';

function serviceOf(facts: ServiceFacts): Service {
  const slash = facts.key.indexOf('/');
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      namespace: facts.key.slice(0, slash),
      name: facts.key.slice(slash + 1),
      annotations: facts.annotations,
    },
    spec: { type: 'LoadBalancer', ...(facts.loadBalancerIP ? { loadBalancerIP: facts.loadBalancerIP } : {}) },
    status: { loadBalancer: { ingress: facts.ips.map((ip) => ({ ip })) } },
  };
}

function poolOf(facts: PoolFacts): IPAddressPool {
  return {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metadata: { name: facts.name },
    spec: { addresses: facts.addresses, avoidBuggyIPs: facts.avoidBuggyIPs },
  };
}

/**
 * The model over ClusterFacts (workflow code: pins for reapply-config). Facts carry no labels or
 * serviceAllocation, so pools count as open to every Service here; cleanup-orphans itself judges
 * the full objects (domain/orphans-cluster.ts).
 */
export function judgeServices(facts: ClusterFacts): ServiceVerdict[] {
  const pools = facts.pools.map((pool) => viewPool(poolOf(pool), indexNamespaces([])));
  const views = facts.services.map((svc) => viewService(serviceOf(svc)));
  const served = new Set(facts.services.filter((svc) => svc.served).map((svc) => svc.key));
  const isServed = (view: ServiceView) => served.has(view.key);
  return judgeServiceViews(orphanContextOf(pools, views.filter(isServed)), views, isServed);
}

/** Why a Service named on the command line will not be touched, or null if it is an orphan. */
export function refusalFor(verdict: ServiceVerdict | undefined, key: string): string | null {
  if (!verdict) return `Service ${key} does not exist`;
  if (verdict.state === 'orphan') return null;
  if (verdict.state === 'not-served')
    return `Service ${key} is not served by MetalLB (not type LoadBalancer, or another load-balancer class)`;
  if (verdict.state === 'pending')
    return (
      `Service ${key} has no IP yet and nothing stale to remove; cleanup-orphans leaves it alone ` +
      '(run diagnose to see why it is pending)'
    );
  return (
    `Service ${key} is healthy (${verdict.ips.join(', ')} is inside an IPAddressPool it may use); ` +
    'cleanup-orphans never touches healthy Services'
  );
}
