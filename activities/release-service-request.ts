import { fieldManager } from '../domain/runbooks/names.js';
import type { OrphanPlan } from '../domain/runbooks/orphans.js';
import { jsonPatch, splitKey, type KubeApis } from '../kube/apis.js';
import { kubeCall } from '../kube/call.js';
import { judgeServiceNow } from '../kube/orphaned-services.js';

type PatchOp = { op: 'test'; path: string; value: string } | { op: 'remove'; path: string };

// JSON pointer escaping: "/" in an annotation key becomes "~1".
const annotationPath = (key: string) => `/metadata/annotations/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;

/** test + remove for each planned field still present: a concurrent edit fails the patch instead of being lost. */
function opsFor(plan: OrphanPlan, loadBalancerIP: string | undefined, annotations: Record<string, string>): PatchOp[] {
  const present = plan.removeAnnotations.filter((k) => annotations[k] !== undefined);
  const ops: PatchOp[] = present.flatMap((k) => [
    { op: 'test' as const, path: annotationPath(k), value: annotations[k]! },
    { op: 'remove' as const, path: annotationPath(k) },
  ]);
  if (plan.removeLoadBalancerIP && loadBalancerIP)
    ops.push(
      { op: 'test', path: '/spec/loadBalancerIP', value: loadBalancerIP },
      { op: 'remove', path: '/spec/loadBalancerIP' },
    );
  return ops;
}

/**
 * What is still to remove: the planned fields the orphan model still finds stale now. A pool
 * added since the plan was made can make a request servable again, and then it stays.
 */
async function stillStale(kube: KubeApis, plan: OrphanPlan): Promise<OrphanPlan> {
  if (!plan.scope) return plan;
  const now = (await judgeServiceNow(kube, plan.scope, plan.service))?.plan;
  return {
    ...plan,
    removeLoadBalancerIP: plan.removeLoadBalancerIP && (now?.removeLoadBalancerIP ?? false),
    removeAnnotations: plan.removeAnnotations.filter((key) => now?.removeAnnotations.includes(key) ?? false),
  };
}

const fieldOf = (op: PatchOp): string =>
  op.path === '/spec/loadBalancerIP'
    ? 'spec.loadBalancerIP'
    : op.path.slice('/metadata/annotations/'.length).replaceAll('~1', '/').replaceAll('~0', '~');

/** Removes the unservable IP request and stale pool annotations from one orphan (JSON patch). */
export async function releaseServiceRequest(
  kube: KubeApis,
  plan: OrphanPlan,
): Promise<{ service: string; removed: string[] }> {
  const { namespace, name } = splitKey(plan.service);
  const [svc, current] = await Promise.all([
    kubeCall(`read Service ${plan.service}`, () => kube.core.readNamespacedService({ namespace, name })),
    stillStale(kube, plan),
  ]);
  const ops = opsFor(current, svc.spec?.loadBalancerIP, svc.metadata?.annotations ?? {});
  // Already removed by an earlier attempt (or no longer stale): nothing to do.
  if (ops.length === 0) return { service: plan.service, removed: [] };
  await kubeCall(`remove stale requests from Service ${plan.service}`, () =>
    kube.core.patchNamespacedService({ namespace, name, body: ops, fieldManager }, jsonPatch),
  );
  return { service: plan.service, removed: ops.filter((op) => op.op === 'remove').map(fieldOf) };
}
