import type { KubeApis } from '../kube/apis.js';
import { kubeCall } from '../kube/call.js';

/** A pod's whole log with the kubelet's timestamps; the container named after the component if present. */
export async function readPodLog(kube: KubeApis, namespace: string, pod: string, component: string): Promise<string> {
  const spec = await kubeCall(`read pod ${namespace}/${pod}`, () =>
    kube.core.readNamespacedPod({ name: pod, namespace }),
  );
  const names = (spec.spec?.containers ?? []).map((c) => c.name);
  const container = names.includes(component) ? component : names[0];
  return kubeCall(`read log of ${namespace}/${pod}`, () =>
    kube.core.readNamespacedPodLog({ name: pod, namespace, container, timestamps: true }),
  );
}
