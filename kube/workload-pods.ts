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

/** The workload whose pods' template hash is looked up: its namespace, name, uid and pod selector. */
interface WorkloadIdentity {
  namespace: string;
  name: string;
  uid: string | undefined;
  labelSelector: string;
}

/** pod-template-hash of the ReplicaSet carrying the Deployment's current revision. */
async function deploymentHash(kube: KubeApis, workload: WorkloadIdentity, revision: string | undefined) {
  const { namespace, name, labelSelector } = workload;
  const sets = await kubeCall(`list ReplicaSets of ${namespace}/${name}`, () =>
    kube.apps.listNamespacedReplicaSet({ namespace, labelSelector }),
  );
  const current = sets.items
    .filter(ownedBy(workload.uid))
    .find((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === revision);
  return current?.metadata?.labels?.['pod-template-hash'] ?? null;
}

/** controller-revision-hash of the DaemonSet's newest ControllerRevision. */
async function daemonSetHash(kube: KubeApis, workload: WorkloadIdentity) {
  const { namespace, name, labelSelector } = workload;
  const revisions = await kubeCall(`list ControllerRevisions of ${namespace}/${name}`, () =>
    kube.apps.listNamespacedControllerRevision({ namespace, labelSelector }),
  );
  const newest = revisions.items.filter(ownedBy(workload.uid)).sort((a, b) => b.revision - a.revision)[0];
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
    const deployment = await kubeCall(what, () => kube.apps.readNamespacedDeployment({ name, namespace }));
    const identity = {
      namespace,
      name,
      uid: deployment.metadata?.uid,
      labelSelector: selectorText(deployment.spec?.selector),
    };
    const revision = deployment.metadata?.annotations?.['deployment.kubernetes.io/revision'];
    const [currentHash, pods] = await Promise.all([
      deploymentHash(kube, identity, revision),
      listPods(kube, namespace, identity.labelSelector),
    ]);
    return { workload: deployment, currentHash, pods };
  }
  const ds = await kubeCall(what, () => kube.apps.readNamespacedDaemonSet({ name, namespace }));
  const identity = { namespace, name, uid: ds.metadata?.uid, labelSelector: selectorText(ds.spec?.selector) };
  const [currentHash, pods] = await Promise.all([
    daemonSetHash(kube, identity),
    listPods(kube, namespace, identity.labelSelector),
  ]);
  return { workload: ds, currentHash, pods };
}
