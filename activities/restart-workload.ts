import type { V1DaemonSet, V1Deployment } from '@kubernetes/client-node';
import { restartedAtAnnotation, restartPatch } from '../domain/rollout.js';
import { restartRefusal, type WorkloadKind } from '../domain/runbooks/rollout-check.js';
import { fieldManager } from '../domain/runbooks/names.js';
import { mergePatch, type KubeApis } from '../kube/apis.js';
import { kubeCall, runbookFailure } from '../kube/call.js';

/** The workload to restart and the token to restart it with. */
export interface RestartRequest {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  /** restartedAt value derived from the workflow, so a retried patch changes nothing. */
  token: string;
}

/** What the restart patch produced. */
export interface RestartResult {
  /** The generation the rollout must reach. */
  generation: number;
  /** False when the template already carried this token (a retry): no second rollout. */
  changed: boolean;
}

async function readWorkload(kube: KubeApis, request: RestartRequest): Promise<V1Deployment | V1DaemonSet> {
  const what = `read ${request.kind} ${request.namespace}/${request.name}`;
  const params = { name: request.name, namespace: request.namespace };
  return request.kind === 'Deployment'
    ? kubeCall(what, () => kube.apps.readNamespacedDeployment(params))
    : kubeCall(what, () => kube.apps.readNamespacedDaemonSet(params));
}

// Deployments have no spec.updateStrategy (theirs is spec.strategy): undefined for them.
const updateStrategyOf = (workload: V1Deployment | V1DaemonSet): string | undefined =>
  (workload as V1DaemonSet).spec?.updateStrategy?.type;

/** What `kubectl rollout restart` does: a JSON merge patch of the template's restartedAt annotation. */
export async function restartWorkload(kube: KubeApis, request: RestartRequest): Promise<RestartResult> {
  const workload = await readWorkload(kube, request);
  const refusal = restartRefusal(request.kind, `${request.namespace}/${request.name}`, updateStrategyOf(workload));
  if (refusal) throw runbookFailure('RestartRefused', refusal);
  const before = workload.spec?.template.metadata?.annotations?.[restartedAtAnnotation];
  const params = { name: request.name, namespace: request.namespace, body: restartPatch(request.token), fieldManager };
  const what = `patch ${request.kind} ${request.namespace}/${request.name} restartedAt=${request.token}`;
  const patched =
    request.kind === 'Deployment'
      ? await kubeCall(what, () => kube.apps.patchNamespacedDeployment(params, mergePatch))
      : await kubeCall(what, () => kube.apps.patchNamespacedDaemonSet(params, mergePatch));
  return { generation: patched.metadata?.generation ?? 0, changed: before !== request.token };
}
