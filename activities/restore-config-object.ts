import { ApplicationFailure } from '@temporalio/common';
import {
  entryRef,
  hasSecretFields,
  sameSpecAsBackup,
  type BackupEntry,
  type ConfigManifest,
} from '../domain/runbooks/backup.js';
import { fieldManager } from '../domain/runbooks/names.js';
import { removeStash, type StashKey } from '../kube/password-stash.js';
import {
  dropStashIfRestored,
  heldManifest,
  needsPassword,
  withStashedPassword,
  type CreateRequest,
} from './create-config-object.js';
import { currentRun } from './delete-config-object.js';
import { objectParams, type KubeApis } from '../kube/apis.js';
import { isNotFound, kubeCall } from '../kube/call.js';

/** kept-newer: someone else re-created the object since the backup; it is theirs and left untouched. */
export type RestoreAction = 'created' | 'replaced' | 'unchanged' | 'kept-newer';

interface Existing {
  metadata?: { uid?: string; managedFields?: { manager?: string }[] } & Record<string, unknown>;
  spec?: unknown;
}

/**
 * Not the backed-up object (another UID) and never written by this tool: re-created by someone
 * else (a GitOps tool, say) after the backup. Our own re-creation carries our field manager.
 */
function recreatedBySomeoneElse(entry: BackupEntry, existing: Existing): boolean {
  if (!entry.uid || existing.metadata?.uid === entry.uid) return false;
  return !(existing.metadata?.managedFields ?? []).some((field) => field.manager === fieldManager);
}

async function readExisting(kube: KubeApis, entry: BackupEntry): Promise<Existing | null> {
  try {
    return (await kubeCall(`read ${entryRef(entry)}`, () =>
      kube.custom.getNamespacedCustomObject(objectParams(entry)),
    )) as Existing;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

// A create racing another writer fails with AlreadyExists (retryable 409): the retry reads and compares.
async function create(kube: KubeApis, entry: BackupEntry, body: ConfigManifest): Promise<RestoreAction> {
  const { name: _name, ...listParams } = objectParams(entry);
  await kubeCall(`restore ${entryRef(entry)}`, () =>
    kube.custom.createNamespacedCustomObject({ ...listParams, body, fieldManager }),
  );
  return 'created';
}

/**
 * Compensation: makes the object exist with exactly the backed-up spec (pools optionally with
 * autoAssign held off), whatever state it is in; a BGPPeer keeps or gets back its inline password
 * (from the live object, else this run's stash), which never passes through history.
 * No failure is final here: giving up leaves the cluster without its config, and an operator can
 * lift the obstacle (a policy, a quota) while the workflow keeps retrying until its deadline.
 */
export async function restoreConfigObject(
  kube: KubeApis,
  request: CreateRequest,
): Promise<{ ref: string; action: RestoreAction }> {
  try {
    const run = needsPassword(request.entry) ? currentRun() : '';
    return await restore(kube, { entry: request.entry, run }, heldManifest(request.entry, request.holdAutoAssign));
  } catch (error) {
    if (error instanceof ApplicationFailure && error.nonRetryable) {
      throw ApplicationFailure.create({
        message: error.message,
        type: error.type ?? 'RestoreFailed',
        nonRetryable: false,
        details: error.details ? [...error.details] : [],
      });
    }
    throw error;
  }
}

/** The spec to write over an existing object: the backup's, keeping (or bringing back) its inline password. */
async function specToWrite(kube: KubeApis, key: StashKey, wanted: ConfigManifest, existing: Existing) {
  const livePassword = (existing.spec as { password?: unknown } | undefined)?.password;
  if (needsPassword(key.entry) && typeof livePassword === 'string' && livePassword !== '')
    return { ...(wanted.spec as object), password: livePassword };
  return (await withStashedPassword(kube, key, wanted)).spec;
}

async function restore(
  kube: KubeApis,
  key: StashKey,
  wanted: ConfigManifest,
): Promise<{ ref: string; action: RestoreAction }> {
  const { entry } = key;
  const existing = await readExisting(kube, entry);
  if (existing === null) {
    const body = await withStashedPassword(kube, key, wanted);
    const action = await create(kube, entry, body);
    await dropStashIfRestored(kube, key, body.spec);
    return { ref: entryRef(entry), action };
  }
  if (recreatedBySomeoneElse(entry, existing)) {
    // Theirs now: this run will not re-create it, so a password it stashed has no use left.
    if (needsPassword(entry)) await removeStash(kube, key);
    return { ref: entryRef(entry), action: 'kept-newer' };
  }
  if (sameSpecAsBackup(entry, existing.spec, wanted.spec) && hasSecretFields(entry, existing.spec)) {
    await dropStashIfRestored(kube, key, existing.spec);
    return { ref: entryRef(entry), action: 'unchanged' };
  }
  const spec = await specToWrite(kube, key, wanted, existing);
  await kubeCall(`restore spec of ${entryRef(entry)}`, () =>
    kube.custom.replaceNamespacedCustomObject({ ...objectParams(entry), body: { ...existing, spec }, fieldManager }),
  );
  await dropStashIfRestored(kube, key, spec);
  return { ref: entryRef(entry), action: 'replaced' };
}
