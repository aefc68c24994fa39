import { ApplicationFailure } from '@temporalio/common';
import { entryRef, sameSpec, type BackupEntry, type ConfigManifest } from '../domain/runbooks/backup.js';
import { fieldManager } from '../domain/runbooks/names.js';
import { heldManifest, type CreateRequest } from './create-config-object.js';
import { objectParams, type KubeApis } from '../kube/apis.js';
import { isNotFound, kubeCall } from '../kube/call.js';

export type RestoreAction = 'created' | 'replaced' | 'unchanged';

interface Existing {
  metadata?: Record<string, unknown>;
  spec?: unknown;
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
 * autoAssign held off), whatever state it is in.
 * No failure is final here: giving up leaves the cluster without its config, and an operator can
 * lift the obstacle (a policy, a quota) while the workflow keeps retrying until its deadline.
 */
export async function restoreConfigObject(
  kube: KubeApis,
  request: CreateRequest,
): Promise<{ ref: string; action: RestoreAction }> {
  try {
    return await restore(kube, request.entry, heldManifest(request.entry, request.holdAutoAssign));
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

async function restore(
  kube: KubeApis,
  entry: BackupEntry,
  wanted: ConfigManifest,
): Promise<{ ref: string; action: RestoreAction }> {
  const existing = await readExisting(kube, entry);
  if (existing === null) return { ref: entryRef(entry), action: await create(kube, entry, wanted) };
  if (sameSpec(existing.spec, wanted.spec)) return { ref: entryRef(entry), action: 'unchanged' };
  const body = { ...existing, spec: wanted.spec };
  await kubeCall(`restore spec of ${entryRef(entry)}`, () =>
    kube.custom.replaceNamespacedCustomObject({ ...objectParams(entry), body, fieldManager }),
  );
  return { ref: entryRef(entry), action: 'replaced' };
}
