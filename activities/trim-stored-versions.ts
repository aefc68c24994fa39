import { fieldManager } from '../domain/runbooks/names.js';
import { readCrd, versionsOf } from '../kube/config-crds.js';
import { mergePatch, metallbGroup, type KubeApis } from '../kube/apis.js';
import { kubeCall, orNullIfNotFound } from '../kube/call.js';

/** A CRD's storedVersions before and after. */
export interface TrimResult {
  crd: string;
  before: string[];
  after: string[];
  /** Objects outside MetalLB's namespace rewritten first, so nothing is left at an old version. */
  rewrittenElsewhere: number;
}

interface RawObject {
  metadata?: { name?: string; namespace?: string };
}

async function rewriteOutside(kube: KubeApis, plural: string, version: string, namespace: string): Promise<number> {
  const list = (await kubeCall(`list ${plural}.metallb.io in all namespaces`, () =>
    kube.custom.listClusterCustomObject({ group: metallbGroup, version, plural }),
  )) as { items?: RawObject[] };
  const others = (list.items ?? []).filter((o) => o.metadata?.namespace !== namespace);
  for (const o of others) {
    const params = {
      group: metallbGroup,
      version,
      plural,
      namespace: o.metadata?.namespace ?? '',
      name: o.metadata?.name ?? '',
    };
    const current: unknown = await kubeCall(`read ${plural}/${params.name}`, () =>
      kube.custom.getNamespacedCustomObject(params),
    );
    await kubeCall(`rewrite ${plural}/${params.name}`, () =>
      kube.custom.replaceNamespacedCustomObject({ ...params, body: current, fieldManager }),
    );
  }
  return others.length;
}

/**
 * Once every object of a kind is stored at the storage version, drops the old versions from the
 * CRD's status.storedVersions (what kube-storage-version-migrator does after a migration).
 */
export async function trimStoredVersions(
  kube: KubeApis,
  input: { plural: string; namespace: string },
): Promise<TrimResult> {
  const crd = `${input.plural}.metallb.io`;
  const found = await orNullIfNotFound(readCrd(kube, input.plural));
  if (found === null) return { crd, before: [], after: [], rewrittenElsewhere: 0 };
  const { storage, stored } = versionsOf(found);
  if (stored.length === 1 && stored[0] === storage)
    return { crd, before: stored, after: stored, rewrittenElsewhere: 0 };
  const rewrittenElsewhere = await rewriteOutside(kube, input.plural, storage, input.namespace);
  const body = { status: { storedVersions: [storage] } };
  await kubeCall(`trim storedVersions of CRD ${crd}`, () =>
    kube.extensions.patchCustomResourceDefinitionStatus({ name: crd, body, fieldManager }, mergePatch),
  );
  return { crd, before: stored, after: [storage], rewrittenElsewhere };
}
