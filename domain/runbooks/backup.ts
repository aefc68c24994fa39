// The backup reapply-config takes before it touches anything: every MetalLB config object as a
// clean manifest (no server-set fields), in the order it must be re-created. Pure and free of
// Node APIs: workflow code imports the ordering. Credentials stay on the cluster: an inline
// BGPPeer password and kubectl's last-applied-configuration copy never enter a backup.
import { lastAppliedAnnotation, secretFieldsSet, specWithoutSecrets } from '../redact.js';

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
  /** Without the credential fields (secretFields) and without last-applied-configuration. */
  manifest: ConfigManifest;
  /** Spec fields that held a credential on the cluster and are left out of manifest, e.g. ["password"]. */
  secretFields?: string[];
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

function withoutLastApplied(annotations: Record<string, string> | null | undefined) {
  return Object.fromEntries(Object.entries(annotations ?? {}).filter(([key]) => key !== lastAppliedAnnotation));
}

/**
 * Drops uid, resourceVersion, generation, creationTimestamp, managedFields, status, owners that
 * are Pods, the last-applied-configuration annotation and credential fields (an inline BGPPeer password).
 */
export function cleanManifest(raw: RawObject): ConfigManifest {
  const kind = raw.kind ?? '';
  return {
    apiVersion: raw.apiVersion ?? '',
    kind,
    metadata: cleanMetadata(raw.metadata ?? {}),
    ...(raw.spec === undefined ? {} : { spec: specWithoutSecrets(kind, raw.spec) }),
  };
}

function cleanMetadata(meta: NonNullable<RawObject['metadata']>): ConfigManifest['metadata'] {
  const owners = (meta.ownerReferences ?? []).filter((o) => o.kind !== 'Pod');
  const metadata: ConfigManifest['metadata'] = { name: meta.name ?? '', namespace: meta.namespace ?? '' };
  const labels = nonEmpty(meta.labels);
  const annotations = nonEmpty(withoutLastApplied(meta.annotations));
  if (labels) metadata.labels = labels;
  if (annotations) metadata.annotations = annotations;
  if (owners.length > 0) metadata.ownerReferences = owners;
  return metadata;
}

/** The credential fields set in an object as read, to record in its backup entry (never their values). */
export function secretFieldsOf(raw: RawObject): string[] {
  return secretFieldsSet(raw.kind ?? '', raw.spec);
}

/** Whether the live object still carries every credential field its backup entry says it had. */
export function hasSecretFields(entry: Pick<BackupEntry, 'kind' | 'secretFields'>, spec: unknown): boolean {
  const present = secretFieldsSet(entry.kind, spec);
  return (entry.secretFields ?? []).every((field) => present.includes(field));
}

/** Live spec against the backup: credential fields are not part of the comparison. */
export function sameSpecAsBackup(entry: Pick<BackupEntry, 'kind'>, liveSpec: unknown, backupSpec: unknown): boolean {
  return sameSpec(specWithoutSecrets(entry.kind, liveSpec), specWithoutSecrets(entry.kind, backupSpec));
}

// FNV-1a, 32 bits, as 8 hex digits: short stable names without Node's crypto (workflow code imports this file).
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

/** Where a BGPPeer's inline password waits while its peer is deleted and re-created by one run. */
export function passwordStashName(runMarker: string, peer: string): string {
  return `metallb-runbooks-password-${fnv1a(`${runMarker}|${peer}`)}${fnv1a(`${peer}|${runMarker}`)}`;
}

/** Label value naming the run that stashed a password (labels cannot hold the workflow id itself). */
export function stashRunLabel(runMarker: string): string {
  return fnv1a(runMarker);
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
