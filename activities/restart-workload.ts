import { restartedAtAnnotation, restartPatch } from '../domain/rollout.js';
import type { WorkloadKind } from '../domain/runbooks/rollout-check.js';
import { fieldManager } from '../domain/runbooks/names.js';
import { mergePatch, type KubeApis } from '../kube/apis.js';
import { kubeCall } from '../kube/call.js';

export interface RestartRequest {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  /** restartedAt value derived from the workflow, so a retried patch changes nothing. */
  token: string;
}

export interface RestartResult {
  /** The generation the rollout must reach. */
  generation: number;
  /** False when the template already carried this token (a retry): no second rollout. */
  changed: boolean;
}

async function readTemplateToken(kube: KubeApis, r: RestartRequest): Promise<string | undefined> {
  const what = `read ${r.kind} ${r.namespace}/${r.name}`;
  const object =
    r.kind === 'Deployment'
      ? await kubeCall(what, () => kube.apps.readNamespacedDeployment({ name: r.name, namespace: r.namespace }))
      : await kubeCall(what, () => kube.apps.readNamespacedDaemonSet({ name: r.name, namespace: r.namespace }));
  return object.spec?.template.metadata?.annotations?.[restartedAtAnnotation];
}

/** What `kubectl rollout restart` does: a JSON merge patch of the template's restartedAt annotation. */
export async function restartWorkload(kube: KubeApis, r: RestartRequest): Promise<RestartResult> {
  const before = await readTemplateToken(kube, r);
  const params = { name: r.name, namespace: r.namespace, body: restartPatch(r.token), fieldManager };
  const what = `patch ${r.kind} ${r.namespace}/${r.name} restartedAt=${r.token}`;
  const patched =
    r.kind === 'Deployment'
      ? await kubeCall(what, () => kube.apps.patchNamespacedDeployment(params, mergePatch))
      : await kubeCall(what, () => kube.apps.patchNamespacedDaemonSet(params, mergePatch));
  return { generation: patched.metadata?.generation ?? 0, changed: before !== r.token };
}
