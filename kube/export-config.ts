import {
  cleanManifest,
  configKinds,
  creationOrder,
  referencedSecrets,
  secretFieldsOf,
  type BackupEntry,
  type ConfigBackup,
} from '../domain/runbooks/backup.js';
import { metallbCrdVersions } from './config-crds.js';
import { metallbGroup, type KubeApis } from './apis.js';
import { kubeCall } from './call.js';

interface RawObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
  spec?: unknown;
}

async function listKind(kube: KubeApis, namespace: string, plural: string, version: string): Promise<RawObject[]> {
  const list = (await kubeCall(`list ${plural}.metallb.io/${version} in ${namespace}`, () =>
    kube.custom.listNamespacedCustomObject({ group: metallbGroup, version, namespace, plural }),
  )) as { items?: RawObject[] };
  return (list.items ?? []).map((item) => ({ ...item, apiVersion: `${metallbGroup}/${version}` }));
}

function toEntry(raw: RawObject, kind: BackupEntry['kind'], plural: string, version: string): BackupEntry {
  const secretFields = secretFieldsOf({ ...raw, kind });
  return {
    kind,
    plural,
    version,
    name: raw.metadata?.name ?? '',
    namespace: raw.metadata?.namespace ?? '',
    uid: raw.metadata?.uid ?? '',
    resourceVersion: raw.metadata?.resourceVersion ?? '',
    manifest: cleanManifest({ ...raw, kind }),
    ...(secretFields.length > 0 ? { secretFields } : {}),
  };
}

/**
 * Reads every MetalLB config object at its storage version. Secrets are recorded by name only, an
 * inline BGPPeer password only as the field that held it: the backup goes into workflow history.
 */
export async function exportMetallbConfig(kube: KubeApis, input: { namespace: string }): Promise<ConfigBackup> {
  const versions = await metallbCrdVersions(kube);
  const perKind = await Promise.all(
    configKinds.map(async ({ kind, plural }) => {
      const version = versions.get(plural)?.storage;
      if (!version) return { kind, raw: [] as RawObject[], entries: [] as BackupEntry[] };
      const raw = await listKind(kube, input.namespace, plural, version);
      return { kind, raw, entries: raw.map((r) => toEntry(r, kind, plural, version)) };
    }),
  );
  const peers = perKind.find((k) => k.kind === 'BGPPeer')?.raw ?? [];
  return {
    namespace: input.namespace,
    exportedAt: new Date().toISOString(),
    objects: creationOrder(perKind.flatMap((k) => k.entries)),
    secrets: referencedSecrets(peers, input.namespace),
  };
}
