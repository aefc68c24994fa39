import { specContains } from '../domain/runbooks/apply.js';
import { entryRef, sameSpecAsBackup, type BackupEntry } from '../domain/runbooks/backup.js';
import { fieldManager } from '../domain/runbooks/names.js';
import { objectParams, type KubeApis } from '../kube/apis.js';
import { isAlreadyExists, kubeCall, orNullIfNotFound, runbookFailure } from '../kube/call.js';

/** One object write of a plan: create or update `entry` (its manifest is the desired object). */
export interface ObjectWriteRequest {
  action: 'create' | 'update';
  /** Where and what to write (the desired object). */
  entry: BackupEntry;
  /** An update's object as backed up: its UID is the write's precondition, its spec tells a change from a no-op. */
  backedUp?: BackupEntry;
}

/** What a write did, with the object's UID afterwards (a rollback removes a created object by it). */
export interface ObjectWriteOutcome {
  ref: string;
  action: 'created' | 'updated' | 'unchanged';
  uid: string;
  at: string;
}

interface LiveObject {
  metadata?: { uid?: string; resourceVersion?: string; labels?: Record<string, string> } & Record<string, unknown>;
  spec?: unknown;
}

async function readLive(kube: KubeApis, entry: BackupEntry): Promise<LiveObject | null> {
  return (await orNullIfNotFound(
    kubeCall(`read ${entryRef(entry)}`, () => kube.custom.getNamespacedCustomObject(objectParams(entry))),
  )) as LiveObject | null;
}

/** A live inline BGPPeer password stays: the desired files never carry one (the CLI refuses them). */
function specToWrite(entry: BackupEntry, live: LiveObject): unknown {
  const livePassword = (live.spec as { password?: unknown } | undefined)?.password;
  if (entry.kind !== 'BGPPeer' || typeof livePassword !== 'string' || !livePassword) return entry.manifest.spec;
  return { ...(entry.manifest.spec as object), password: livePassword };
}

async function create(kube: KubeApis, entry: BackupEntry): Promise<ObjectWriteOutcome> {
  const { name: _name, ...listParams } = objectParams(entry);
  const ref = entryRef(entry);
  try {
    const created = (await kubeCall(`create ${ref}`, () =>
      kube.custom.createNamespacedCustomObject({ ...listParams, body: entry.manifest, fieldManager }),
    )) as LiveObject;
    return { ref, action: 'created', uid: created.metadata?.uid ?? '', at: new Date().toISOString() };
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    // A retry after a create that went through: success only if it is the object asked for.
    const live = await readLive(kube, entry);
    if (live && specContains(live.spec, entry.manifest.spec))
      return { ref, action: 'unchanged', uid: live.metadata?.uid ?? '', at: new Date().toISOString() };
    throw runbookFailure('ConfigObjectDiffers', `${ref} already exists with another spec; someone else created it`);
  }
}

async function readBackedUp(kube: KubeApis, entry: BackupEntry, backedUp: BackupEntry | undefined) {
  const ref = entryRef(entry);
  const live = await readLive(kube, entry);
  if (live === null) throw runbookFailure('ConfigObjectChanged', `${ref} is gone: someone deleted it since the plan`);
  if (backedUp?.uid && live.metadata?.uid !== backedUp.uid)
    throw runbookFailure('ConfigObjectChanged', `${ref} is no longer the object backed up (uid ${backedUp.uid})`);
  return live;
}

/**
 * Replaces the object's spec with the desired one (a no-op write is harmless, so a retry writes
 * again). "unchanged" when the spec afterwards equals the backed-up one: nothing for the controller.
 */
async function update(kube: KubeApis, entry: BackupEntry, backedUp?: BackupEntry): Promise<ObjectWriteOutcome> {
  const ref = entryRef(entry);
  const live = await readBackedUp(kube, entry, backedUp);
  const uid = live.metadata?.uid ?? '';
  const labels = entry.manifest.metadata.labels ?? live.metadata?.labels;
  // resourceVersion and uid in the body: a concurrent change fails the write (409, re-read on retry).
  const metadata = { ...live.metadata, ...(labels ? { labels } : {}) };
  const body = { ...live, metadata, spec: specToWrite(entry, live) };
  const written = (await kubeCall(`update ${ref}`, () =>
    kube.custom.replaceNamespacedCustomObject({ ...objectParams(entry), body, fieldManager }),
  )) as LiveObject;
  const same = backedUp !== undefined && sameSpecAsBackup(entry, written.spec, backedUp.manifest.spec);
  return { ref, action: same ? 'unchanged' : 'updated', uid, at: new Date().toISOString() };
}

/**
 * Writes one desired object of a plan. Safe to retry: a create that already went through and an
 * update already applied are recognised; an object re-created or deleted by someone else since the
 * backup stops the run (ConfigObjectChanged). API 5xx (a webhook down while the controller
 * restarts: "failed calling webhook") and 409 are retried by the activity's policy.
 */
export async function writeConfigObject(kube: KubeApis, request: ObjectWriteRequest): Promise<ObjectWriteOutcome> {
  return request.action === 'create' ? create(kube, request.entry) : update(kube, request.entry, request.backedUp);
}
