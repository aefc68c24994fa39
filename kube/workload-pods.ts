import type { V1DaemonSet, V1Deployment, V1LabelSelector, V1Pod } from '@kubernetes/client-node';
import type { PodFacts, WorkloadKind } from '../domain/runbooks/rollout-check.js';
import type { KubeApis } from './apis.js';
import { kubeCall } from './call.js';

export function selectorText(selector: V1LabelSelector | undefined): string {
  return Object.entries(selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export function podFacts(pod: V1Pod): PodFacts {
  return {
    name: pod.metadata?.name ?? '',
    node: pod.spec?.nodeName ?? null,
    labels: pod.metadata?.labels ?? {},
    ready: (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    terminating: Boolean(pod.metadata?.deletionTimestamp),
  };
}

export async function listPods(kube: KubeApis, namespace: string, labelSelector: string): Promise<PodFacts[]> {
  const list = await kubeCall(`list pods ${labelSelector} in ${namespace}`, () =>
    kube.core.listNamespacedPod({ namespace, labelSelector }),
  );
  return list.items.map(podFacts);
}

interface Owned {
  metadata?: {
    ownerReferences?: { uid?: string }[];
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

const ownedBy = (uid: string | undefined) => (o: Owned) =>
  (o.metadata?.ownerReferences ?? []).some((ref) => ref.uid === uid);

/** pod-template-hash of the ReplicaSet carrying the Deployment's current revision. */
async function deploymentHash(
  kube: KubeApis,
  namespace: string,
  name: string,
  uid: string | undefined,
  revision: string | undefined,
  labelSelector: string,
) {
  const sets = await kubeCall(`list ReplicaSets of ${namespace}/${name}`, () =>
    kube.apps.listNamespacedReplicaSet({ namespace, labelSelector }),
  );
  const current = sets.items
    .filter(ownedBy(uid))
    .find((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === revision);
  return current?.metadata?.labels?.['pod-template-hash'] ?? null;
}

/** controller-revision-hash of the DaemonSet's newest ControllerRevision. */
async function daemonSetHash(
  kube: KubeApis,
  namespace: string,
  name: string,
  uid: string | undefined,
  labelSelector: string,
) {
  const revisions = await kubeCall(`list ControllerRevisions of ${namespace}/${name}`, () =>
    kube.apps.listNamespacedControllerRevision({ namespace, labelSelector }),
  );
  const newest = revisions.items.filter(ownedBy(uid)).sort((a, b) => b.revision - a.revision)[0];
  return newest?.metadata?.labels?.['controller-revision-hash'] ?? null;
}

export interface WorkloadRead {
  workload: V1Deployment | V1DaemonSet;
  currentHash: string | null;
  pods: PodFacts[];
}

export async function readWorkload(
  kube: KubeApis,
  kind: WorkloadKind,
  namespace: string,
  name: string,
): Promise<WorkloadRead> {
  const what = `read ${kind} ${namespace}/${name}`;
  if (kind === 'Deployment') {
    const d = await kubeCall(what, () => kube.apps.readNamespacedDeployment({ name, namespace }));
    const selector = selectorText(d.spec?.selector);
    const revision = d.metadata?.annotations?.['deployment.kubernetes.io/revision'];
    const [currentHash, pods] = await Promise.all([
      deploymentHash(kube, namespace, name, d.metadata?.uid, revision, selector),
      listPods(kube, namespace, selector),
    ]);
    return { workload: d, currentHash, pods };
  }
  const ds = await kubeCall(what, () => kube.apps.readNamespacedDaemonSet({ name, namespace }));
  const selector = selectorText(ds.spec?.selector);
  const [currentHash, pods] = await Promise.all([
    daemonSetHash(kube, namespace, name, ds.metadata?.uid, selector),
    listPods(kube, namespace, selector),
  ]);
  return { workload: ds, currentHash, pods };
}
