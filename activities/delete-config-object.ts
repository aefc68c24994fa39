import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { entryRef, type BackupEntry } from '../domain/runbooks/backup.js';
import { objectParams, type KubeApis } from '../kube/apis.js';
import { isNotFound, kubeCall, runbookFailure } from '../kube/call.js';
import { livePassword, stashPassword } from '../kube/password-stash.js';

/** "<workflowId>/<runId>" of the run this activity belongs to: the key of its password stashes. */
export function currentRun(): string {
  const execution = Context.current().info.workflowExecution;
  if (execution === undefined) throw new Error('a password stash needs the run of a workflow activity');
  return `${execution.workflowId}/${execution.runId}`;
}

/** Before a peer with an inline password goes, its password moves to a Secret of this run (never to history). */
async function stashInlinePassword(kube: KubeApis, entry: BackupEntry, run: string | undefined): Promise<void> {
  if (!entry.secretFields?.includes('password')) return;
  const password = await livePassword(kube, entry);
  // Gone already (an earlier attempt deleted it after stashing) or replaced: nothing to keep.
  if (password !== null) await stashPassword(kube, { entry, run: run ?? currentRun() }, password);
}

/** What a delete did; deleted is false when the object was already gone. */
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
 * ConfigObjectChanged. Already gone counts as deleted, so a retry is harmless. A BGPPeer's inline
 * password is stashed on the cluster first (kube/password-stash.ts) for the re-create to read.
 */
export async function deleteConfigObject(
  kube: KubeApis,
  entry: BackupEntry,
  /** The run's "<workflowId>/<runId>"; taken from the activity context when not given. */
  run?: string,
): Promise<DeleteOutcome> {
  const ref = entryRef(entry);
  await stashInlinePassword(kube, entry, run);
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
