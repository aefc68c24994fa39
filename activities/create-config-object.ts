import {
  entryRef,
  hasSecretFields,
  sameSpecAsBackup,
  type BackupEntry,
  type ConfigManifest,
} from '../domain/runbooks/backup.js';
import { fieldManager } from '../domain/runbooks/names.js';
import { objectParams, type KubeApis } from '../kube/apis.js';
import { isAlreadyExists, kubeCall, orNullIfNotFound, runbookFailure } from '../kube/call.js';
import { removeStash, stashedPassword, type StashKey } from '../kube/password-stash.js';
import { currentRun } from './delete-config-object.js';

/** One backed-up object to create again. */
export interface CreateRequest {
  entry: BackupEntry;
  /** Create pools with autoAssign off, so no Service grabs a pinned IP before its owner gets it back. */
  holdAutoAssign: boolean;
}

/** The manifest to send: a pool with autoAssign held off when asked to. */
export function heldManifest(entry: BackupEntry, hold: boolean): ConfigManifest {
  if (!hold || entry.kind !== 'IPAddressPool') return entry.manifest;
  return { ...entry.manifest, spec: { ...(entry.manifest.spec as object), autoAssign: false } };
}

/** True when the backed-up object had an inline password (left out of the backup). */
export const needsPassword = (entry: BackupEntry): boolean => entry.secretFields?.includes('password') ?? false;

/**
 * The manifest to send, with the inline password read back from this run's stash (it is never in
 * the backup). Missing stash: nothing can restore the password, so say so instead of dropping it.
 */
export async function withStashedPassword(
  kube: KubeApis,
  key: StashKey,
  manifest: ConfigManifest,
): Promise<ConfigManifest> {
  if (!needsPassword(key.entry)) return manifest;
  const password = await stashedPassword(kube, key);
  if (password === null)
    throw runbookFailure(
      'PeerPasswordMissing',
      `${entryRef(key.entry)} had an inline password, but this run's stash of it is gone; ` +
        'set spec.password on the peer by hand',
    );
  return { ...manifest, spec: { ...(manifest.spec as object), password } };
}

/** Once the peer exists again with its password, its stash has done its job. */
export async function dropStashIfRestored(kube: KubeApis, key: StashKey, liveSpec: unknown): Promise<void> {
  if (needsPassword(key.entry) && hasSecretFields(key.entry, liveSpec)) await removeStash(kube, key);
}

async function readSpec(kube: KubeApis, entry: BackupEntry): Promise<{ spec?: unknown } | null> {
  return (await orNullIfNotFound(
    kubeCall(`read ${entryRef(entry)}`, () => kube.custom.getNamespacedCustomObject(objectParams(entry))),
  )) as { spec?: unknown } | null;
}

/** Creates the object; false when it appeared in between (AlreadyExists), to be compared instead. */
async function tryCreate(kube: KubeApis, key: StashKey, r: CreateRequest): Promise<boolean> {
  const body = await withStashedPassword(kube, key, heldManifest(r.entry, r.holdAutoAssign));
  const { name: _name, ...listParams } = objectParams(r.entry);
  try {
    await kubeCall(`create ${entryRef(r.entry)}`, () =>
      kube.custom.createNamespacedCustomObject({ ...listParams, body, fieldManager }),
    );
  } catch (error) {
    if (isAlreadyExists(error)) return false;
    throw error;
  }
  await dropStashIfRestored(kube, key, body.spec);
  return true;
}

/** An object already there is success only if it is the backed-up one (same spec, password present). */
async function acceptExisting(kube: KubeApis, key: StashKey, r: CreateRequest, spec: unknown): Promise<void> {
  const held = heldManifest(r.entry, r.holdAutoAssign).spec;
  const same = sameSpecAsBackup(r.entry, spec, held) || sameSpecAsBackup(r.entry, spec, r.entry.manifest.spec);
  if (same && hasSecretFields(r.entry, spec)) return dropStashIfRestored(kube, key, spec);
  throw runbookFailure(
    'ConfigObjectDiffers',
    `${entryRef(r.entry)} already exists with a spec different from the backup; someone else re-created it`,
  );
}

/**
 * Re-creates one object from the backup (a BGPPeer with its inline password from this run's
 * stash); if it already exists with the same spec, that is success, so a retry is harmless.
 */
export async function createConfigObject(
  kube: KubeApis,
  r: CreateRequest,
  /** The run's "<workflowId>/<runId>"; taken from the activity context when needed and not given. */
  run?: string,
): Promise<{ ref: string; created: boolean }> {
  const ref = entryRef(r.entry);
  const key = { entry: r.entry, run: needsPassword(r.entry) ? (run ?? currentRun()) : '' };
  const existing = await readSpec(kube, r.entry);
  if (existing === null && (await tryCreate(kube, key, r))) return { ref, created: true };
  const current = existing ?? (await readSpec(kube, r.entry));
  await acceptExisting(kube, key, r, current?.spec);
  return { ref, created: false };
}
