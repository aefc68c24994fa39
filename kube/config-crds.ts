import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import type { KubeApis } from './apis.js';
import { kubeCall } from './call.js';

export interface CrdVersions {
  /** The version objects are encoded at when written. */
  storage: string;
  /** Versions the API server still holds objects in (status.storedVersions). */
  stored: string[];
}

export function versionsOf(crd: V1CustomResourceDefinition): CrdVersions {
  const storage = crd.spec.versions.find((v) => v.storage)?.name ?? crd.spec.versions[0]?.name ?? 'v1beta1';
  return { storage, stored: crd.status?.storedVersions ?? [storage] };
}

export async function readCrd(kube: KubeApis, plural: string): Promise<V1CustomResourceDefinition> {
  return kubeCall(`read CRD ${plural}.metallb.io`, () =>
    kube.extensions.readCustomResourceDefinition({ name: `${plural}.metallb.io` }),
  );
}

/** Storage version per plural of every metallb.io CRD installed. */
export async function metallbCrdVersions(kube: KubeApis): Promise<Map<string, CrdVersions>> {
  const crds = await kubeCall('list CustomResourceDefinitions', () => kube.extensions.listCustomResourceDefinition());
  return new Map(
    crds.items.filter((c) => c.spec.group === 'metallb.io').map((c) => [c.spec.names.plural, versionsOf(c)]),
  );
}
