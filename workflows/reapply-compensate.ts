import { nonRetryableFailure } from './failures.js';
import { CancellationScope, workflowInfo } from '@temporalio/workflow';
import { creationOrder, type BackupEntry } from '../domain/runbooks/backup.js';
import { pinMarker, type ServicePin } from '../domain/runbooks/pins.js';
import { reapplySteps } from '../domain/runbooks/steps.js';
import { compensationActivities, waitActivities } from './activity-options.js';
import { attemptStep, deadlineIn, reasonOf } from './progress-tracker.js';
import type { ReapplyRun } from './reapply-run.js';

/** The pins of one run. */
export interface Pins {
  marker: string;
  /** Pins this run added. */
  pinned: ServicePin[];
  /** Every healthy Service and the IPs it must end up with. */
  watched: ServicePin[];
}

/** Pools come back with autoAssign held off first, as in the re-create: no pending Service takes a pinned IP. */
async function restoreAll(entries: BackupEntry[], holdAutoAssign: boolean): Promise<string[]> {
  const actions: string[] = [];
  for (const entry of entries) {
    const restored = await compensationActivities.restoreConfigObject({ entry, holdAutoAssign });
    if (restored.action !== 'unchanged') actions.push(`${restored.ref} ${restored.action}`);
  }
  return actions;
}

/**
 * Every step runs whatever the one before concluded: the pools always get their own autoAssign
 * back and this run's pins always go, even when the IPs did not come back in time.
 * Returns what is still wrong, one line each.
 */
async function restore(run: ReapplyRun, pins: Pins): Promise<string[]> {
  const stillWrong: string[] = [];
  const { objects } = run.backup;
  const pools = objects.filter((entry) => entry.kind === 'IPAddressPool');
  const ipsBack = () =>
    waitActivities.waitForServiceIps({ expected: pins.watched, deadline: deadlineIn(run.limits.serviceIpsSeconds) });
  const ours = { services: pins.pinned.map((pin) => pin.service), marker: pins.marker };
  await attemptStep(run.steps, stillWrong, reapplySteps.restore, () => restoreAll(creationOrder(objects), true));
  await attemptStep(run.steps, stillWrong, reapplySteps.restoreIps, ipsBack);
  await attemptStep(run.steps, stillWrong, reapplySteps.restoreAutoAssign, () => restoreAll(pools, false));
  await attemptStep(run.steps, stillWrong, reapplySteps.restoreUnpin, () =>
    compensationActivities.unpinServiceIps(ours),
  );
  return stillWrong;
}

function backupHint(): string {
  const { workflowId, runId } = workflowInfo();
  return `metallb-runbooks fix reapply-config --backup-of ${workflowId}/run/${runId} --backup-file backup.yaml`;
}

/** After a failure past the first delete: put the backup and the IPs back, then fail with both stories. */
export async function compensate(run: ReapplyRun, pins: Pins, error: unknown): Promise<never> {
  run.steps.phase('compensating');
  const reason = reasonOf(error);
  // Even a cancelled run puts the configuration back before it ends.
  const stillWrong = await CancellationScope.nonCancellable(() => restore(run, pins));
  run.steps.phase('failed');
  const objects = `${run.backup.objects.length} object(s)`;
  const message = stillWrong.length
    ? `reapply-config --recreate failed (${reason}); compensation ran every step (backup of ${objects}, ` +
      `pool autoAssign, removal of this run's pins) but ${stillWrong.length} did not succeed: ` +
      `${stillWrong.join('; ')}; get the backup with: ${backupHint()}`
    : `reapply-config --recreate failed: ${reason}; restored the backup (${objects}) ` +
      'and every pinned Service has its previous IP';
  const type = stillWrong.length ? 'RestoreFailed' : 'RecreateFailedRestored';
  throw nonRetryableFailure(type, message, error);
}

/** Pinning failed (or the run was cancelled) before anything was deleted: remove the pins added, then fail. */
export async function unpinBeforeAnyDelete(run: ReapplyRun, error: unknown): Promise<never> {
  const services = run.before.services.map((svc) => svc.key);
  const { workflowId, runId } = workflowInfo();
  // Not cancellable: after a cancellation the pins must still go.
  const unpin = () => compensationActivities.unpinServiceIps({ services, marker: pinMarker(workflowId, runId) });
  try {
    await CancellationScope.nonCancellable(unpin);
  } catch (unpinError) {
    throw nonRetryableFailure(
      'PinFailed',
      `${reasonOf(error)}; removing the pins added so far failed too: ${reasonOf(unpinError)}`,
    );
  }
  throw error;
}
