// The backup reapply-config takes before it touches anything: every MetalLB config object as a
// clean manifest (no server-set fields), in the order it must be re-created. Pure and free of
// Node APIs: workflow code imports the ordering.

/** Config kinds in creation order: what others refer to comes first. Deletion is the reverse. */
export const configKinds = [
  { kind: 'Community', plural: 'communities' },
  { kind: 'BFDProfile', plural: 'bfdprofiles' },
  { kind: 'IPAddressPool', plural: 'ipaddresspools' },
  { kind: 'BGPPeer', plural: 'bgppeers' },
  { kind: 'L2Advertisement', plural: 'l2advertisements' },
  { kind: 'BGPAdvertisement', plural: 'bgpadvertisements' },
] as const;

export type ConfigKind = (typeof configKinds)[number]['kind'];

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** What is sent to re-create an object: identity, labels, annotations and spec only. */
export interface ConfigManifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
  };
  spec?: unknown;
}

export interface BackupEntry {
  kind: ConfigKind;
  plural: string;
  /** The storage version the object was read at, e.g. "v1beta2". */
  version: string;
  name: string;
  namespace: string;
  /** As read, to tell a re-created object from the original. */
  uid: string;
  resourceVersion: string;
  manifest: ConfigManifest;
}

export interface SecretRef {
  namespace: string;
  name: string;
  usedBy: string;
}

export interface ConfigBackup {
  namespace: string;
  exportedAt: string;
  /** In creation order. */
  objects: BackupEntry[];
  /** Secrets BGPPeers refer to, by name only: their content never leaves the cluster. */
  secrets: SecretRef[];
}

interface RawObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string> | null;
    annotations?: Record<string, string> | null;
    ownerReferences?: OwnerReference[] | null;
  };
  spec?: unknown;
}

const nonEmpty = <T extends object>(value: T | null | undefined): T | undefined =>
  value && Object.keys(value).length > 0 ? value : undefined;

/** Drops uid, resourceVersion, generation, creationTimestamp, managedFields, status and owners that are Pods. */
export function cleanManifest(raw: RawObject): ConfigManifest {
  const meta = raw.metadata ?? {};
  const owners = (meta.ownerReferences ?? []).filter((o) => o.kind !== 'Pod');
  const metadata: ConfigManifest['metadata'] = { name: meta.name ?? '', namespace: meta.namespace ?? '' };
  const labels = nonEmpty(meta.labels);
  const annotations = nonEmpty(meta.annotations);
  if (labels) metadata.labels = labels;
  if (annotations) metadata.annotations = annotations;
  if (owners.length > 0) metadata.ownerReferences = owners;
  return {
    apiVersion: raw.apiVersion ?? '',
    kind: raw.kind ?? '',
    metadata,
    ...(raw.spec === undefined ? {} : { spec: raw.spec }),
  };
}

const kindRank = (kind: string): number => configKinds.findIndex((k) => k.kind === kind);

export function creationOrder(entries: readonly BackupEntry[]): BackupEntry[] {
  return [...entries].sort(
    (a, b) => kindRank(a.kind) - kindRank(b.kind) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

/** Advertisements before peers before pools before the profiles and communities they use. */
export function deletionOrder(entries: readonly BackupEntry[]): BackupEntry[] {
  return creationOrder(entries).reverse();
}

export function entryRef(entry: Pick<BackupEntry, 'kind' | 'name'>): string {
  return `${entry.kind}/${entry.name}`;
}

/** JSON with sorted keys: two specs are equal when this is. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function sameSpec(a: unknown, b: unknown): boolean {
  return canonicalJson(a ?? {}) === canonicalJson(b ?? {});
}

/** Secrets named by BGPPeers (spec.passwordSecret), each once. */
export function referencedSecrets(peers: readonly RawObject[], namespace: string): SecretRef[] {
  return peers.flatMap((peer) => {
    const ref = (peer.spec as { passwordSecret?: { name?: string; namespace?: string } } | undefined)?.passwordSecret;
    return ref?.name
      ? [{ namespace: ref.namespace ?? namespace, name: ref.name, usedBy: `BGPPeer/${peer.metadata?.name ?? ''}` }]
      : [];
  });
}
