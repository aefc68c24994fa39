// The orphan model over Kubernetes objects as read from the cluster, judged exactly as diagnose
// judges them: same snapshot parsing, same context (pools, namespace selectors, who holds which IP).
import { buildContext } from './diagnose/context.js';
import { isServedByMetallb, viewService } from './diagnose/services.js';
import { judgeServiceViews, type ServiceVerdict } from './orphans.js';
import { snapshotFromObjects } from './snapshot.js';

/** Where MetalLB runs and which load-balancer class it serves. */
export interface OrphanScope {
  /** MetalLB's namespace (where the pools are). */
  namespace: string;
  /** The controller's --lb-class, null when unset. */
  lbClass: string | null;
}

/** Verdicts for every LoadBalancer Service among objects (Services, IPAddressPools, Namespaces). */
export function judgeClusterObjects(objects: unknown[], scope: OrphanScope): ServiceVerdict[] {
  const parsed = snapshotFromObjects(objects, {
    collectedAt: new Date(0).toISOString(),
    source: 'cluster',
    metallbNamespace: scope.namespace,
  });
  const snapshot = { ...parsed, lbClass: scope.lbClass };
  const ctx = buildContext(snapshot);
  const loadBalancers = snapshot.services.filter((svc) => svc.spec?.type === 'LoadBalancer').map(viewService);
  return judgeServiceViews(ctx, loadBalancers, (view) => isServedByMetallb(view.service, scope.lbClass));
}
