import { entryRef, sameSpec, type BackupEntry, type ConfigManifest } from '../domain/runbooks/backup.js';
import { fieldManager } from '../domain/runbooks/names.js';
import { objectParams, type KubeApis } from '../kube/apis.js';
import { isAlreadyExists, kubeCall, runbookFailure } from '../kube/call.js';

export interface CreateRequest {
  entry: BackupEntry;
  /** Create pools with autoAssign off, so no Service grabs a pinned IP before its owner gets it back. */
  holdAutoAssign: boolean;
}

export function heldManifest(entry: BackupEntry, hold: boolean): ConfigManifest {
  if (!hold || entry.kind !== 'IPAddressPool') return entry.manifest;
  return { ...entry.manifest, spec: { ...(entry.manifest.spec as object), autoAssign: false } };
}

/** Re-creates one object from the backup; if it already exists with the same spec, that is success. */
export async function createConfigObject(kube: KubeApis, r: CreateRequest): Promise<{ ref: string; created: boolean }> {
  const body = heldManifest(r.entry, r.holdAutoAssign);
  const ref = entryRef(r.entry);
  const { name: _name, ...listParams } = objectParams(r.entry);
  try {
    await kubeCall(`create ${ref}`, () =>
      kube.custom.createNamespacedCustomObject({ ...listParams, body, fieldManager }),
    );
    return { ref, created: true };
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
  const existing = (await kubeCall(`read ${ref}`, () =>
    kube.custom.getNamespacedCustomObject(objectParams(r.entry)),
  )) as { spec?: unknown };
  if (sameSpec(existing.spec, body.spec) || sameSpec(existing.spec, r.entry.manifest.spec))
    return { ref, created: false };
  throw runbookFailure(
    'ConfigObjectDiffers',
    `${ref} already exists with a spec different from the backup; someone else re-created it`,
  );
}
