import { ApplicationFailure } from '@temporalio/common';
import { entryRef, type BackupEntry } from '../domain/runbooks/backup.js';
import { objectParams, type KubeApis } from '../kube/apis.js';
import { isNotFound, kubeCall, runbookFailure } from '../kube/call.js';

export interface DeleteOutcome {
  ref: string;
  deleted: boolean;
  at: string;
}

// A failed UID precondition is a 409 Conflict: "the UID in the precondition (...) does not match the UID in record".
const isPreconditionFailure = (error: unknown): boolean =>
  error instanceof ApplicationFailure &&
  error.type === 'KubeConflict' &&
  /UID in the precondition/i.test(error.message);

/**
 * Deletes one MetalLB config object, but only the very object that was backed up (UID precondition):
 * one re-created in between (by a GitOps tool, say) is left untouched and the run stops with
 * ConfigObjectChanged. Already gone counts as deleted, so a retry is harmless.
 */
export async function deleteConfigObject(kube: KubeApis, entry: BackupEntry): Promise<DeleteOutcome> {
  const ref = entryRef(entry);
  const body = entry.uid ? { preconditions: { uid: entry.uid } } : {};
  try {
    await kubeCall(`delete ${ref}`, () => kube.custom.deleteNamespacedCustomObject({ ...objectParams(entry), body }));
    return { ref, deleted: true, at: new Date().toISOString() };
  } catch (error) {
    if (isNotFound(error)) return { ref, deleted: false, at: new Date().toISOString() };
    if (isPreconditionFailure(error))
      throw runbookFailure(
        'ConfigObjectChanged',
        `${ref} is no longer the object that was backed up (uid ${entry.uid}): someone re-created it; ` +
          'it was left untouched',
      );
    throw error;
  }
}
