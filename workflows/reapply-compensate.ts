import { ApplicationFailure, CancellationScope, workflowInfo } from '@temporalio/workflow';
import { creationOrder, type BackupEntry } from '../domain/runbooks/backup.js';
import { pinMarker, type ServicePin } from '../domain/runbooks/pins.js';
import { compensation, waits } from './activity-options.js';
import { deadlineIn, reasonOf } from './progress-tracker.js';
import type { ReapplyRun } from './reapply-run.js';
import { reapplySteps as S } from './reapply-steps.js';

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
    const r = await compensation.restoreConfigObject({ entry, holdAutoAssign });
    if (r.action !== 'unchanged') actions.push(`${r.ref} ${r.action}`);
  }
  return actions;
}

async function restore(run: ReapplyRun, pins: Pins): Promise<void> {
  const { t } = run;
  const pools = run.backup.objects.filter((e) => e.kind === 'IPAddressPool');
  const describe = (a: string[]) => (a.length ? a.join(', ') : 'every object was already as in the backup');
  await t.step(S.restore, null, () => restoreAll(creationOrder(run.backup.objects), true), describe);
  await t.step(S.restoreIps, `${pins.watched.length} Service(s) to hold their previous IPs`, () =>
    waits.waitForServiceIps({ expected: pins.watched, deadline: deadlineIn(run.limits.serviceIpsSeconds) }),
  );
  await t.step(S.restoreAutoAssign, null, () => restoreAll(pools, false), describe);
  await t.step(S.restoreUnpin, null, () =>
    compensation.unpinServiceIps({ services: pins.pinned.map((p) => p.service), marker: pins.marker }),
  );
}

/** After a failure past the first delete: put the backup and the IPs back, then fail with both stories. */
export async function compensate(run: ReapplyRun, pins: Pins, error: unknown): Promise<never> {
  run.t.phase('compensating');
  const reason = reasonOf(error);
  try {
    // Even a cancelled run puts the configuration back before it ends.
    await CancellationScope.nonCancellable(() => restore(run, pins));
  } catch (restoreError) {
    run.t.phase('failed');
    const { workflowId, runId } = workflowInfo();
    const message = `reapply-config --recreate failed (${reason}) and restoring the backup failed too: ${reasonOf(restoreError)}; get the backup with: metallb-runbooks fix reapply-config --backup-of ${workflowId}/run/${runId} --backup-file backup.yaml`;
    throw ApplicationFailure.create({ message, type: 'RestoreFailed', nonRetryable: true, cause: error as Error });
  }
  run.t.phase('failed');
  const message = `reapply-config --recreate failed: ${reason}; restored the backup (${run.backup.objects.length} object(s)) and every pinned Service has its previous IP`;
  throw ApplicationFailure.create({
    message,
    type: 'RecreateFailedRestored',
    nonRetryable: true,
    cause: error as Error,
  });
}

/** Pinning failed before anything was deleted: remove whatever pins were added, then fail. */
export async function unpinBeforeAnyDelete(run: ReapplyRun, error: unknown): Promise<never> {
  const services = run.before.services.map((s) => s.key);
  const { workflowId, runId } = workflowInfo();
  try {
    await compensation.unpinServiceIps({ services, marker: pinMarker(workflowId, runId) });
  } catch (unpinError) {
    throw ApplicationFailure.create({
      message: `${reasonOf(error)}; removing the pins added so far failed too: ${reasonOf(unpinError)}`,
      type: 'PinFailed',
      nonRetryable: true,
    });
  }
  throw error;
}
