// apply's rollback, after any failure past the first write: Services whose IPs moved are pinned to
// their old ones, every written step is undone last-first, the IPs are waited for, the pins go and
// the config is compared with the backup. Every step runs whatever the one before concluded.
import { CancellationScope } from '@temporalio/workflow';
import { extraObjects, ipsBefore, servicePins, undoOrder, type Undo } from '../domain/runbooks/apply.js';
import { entryRef } from '../domain/runbooks/backup.js';
import { hasOwnRequest } from '../domain/runbooks/pins.js';
import { sameIps } from '../domain/runbooks/service-facts.js';
import { applySteps } from '../domain/runbooks/steps.js';
import { compensationActivities, waitActivities } from './activity-options.js';
import type { ApplyRun } from './apply-run.js';
import { nonRetryableFailure } from './failures.js';
import { attemptStep, deadlineIn, reasonOf } from './progress-tracker.js';

/** Pins the Services whose IPs differ from before the change (and that request none themselves). */
async function pinMoved(run: ApplyRun) {
  const now = await compensationActivities.readClusterFacts(run.scope);
  const byKey = new Map(now.services.map((svc) => [svc.key, svc]));
  const moved = ipsBefore(run.before.services).filter((pin) => {
    const svc = byKey.get(pin.service);
    return svc !== undefined && !hasOwnRequest(svc) && !sameIps(svc.ips, pin.ips);
  });
  return compensationActivities.pinServiceIps({ pins: moved, marker: run.marker, annotations: run.pinAnnotations });
}

async function undo(item: Undo): Promise<string> {
  if ('restore' in item) {
    const restored = await compensationActivities.restoreConfigObject({ entry: item.restore, holdAutoAssign: false });
    return `${restored.ref} ${restored.action}`;
  }
  if ('remove' in item) {
    const removed = await compensationActivities.deleteConfigObject(item.remove);
    return `${entryRef(item.remove)} ${removed.deleted ? 'removed' : 'already gone'}`;
  }
  return 'nothing';
}

async function restoreAll(run: ApplyRun): Promise<string[]> {
  const actions: string[] = [];
  for (const item of undoOrder(run.written)) actions.push(await undo(item));
  return actions.filter((action) => !action.endsWith(' unchanged'));
}

async function verifyBackup(run: ApplyRun): Promise<{ checked: number }> {
  const entries = run.backup.objects;
  const checked = await compensationActivities.verifyConfigMatchesBackup({ entries });
  const now = await compensationActivities.exportMetallbConfig({ namespace: run.metallb.namespace });
  const extra = extraObjects(run.backup, now);
  if (extra.length > 0)
    throw nonRetryableFailure('VerificationFailed', `objects not in the backup are still there: ${extra.join(', ')}`);
  return checked;
}

async function rollBackAll(run: ApplyRun): Promise<string[]> {
  const stillWrong: string[] = [];
  const services = [
    ...new Set([
      ...run.before.services.map((svc) => svc.key),
      ...run.plan.steps.flatMap((step) => servicePins(step).map((pin) => pin.service)),
    ]),
  ];
  const ipsBack = { expected: ipsBefore(run.before.services), deadline: deadlineIn(run.limits.serviceIpsSeconds) };
  await attemptStep(run.steps, stillWrong, applySteps.rollbackPin, () => pinMoved(run));
  await attemptStep(run.steps, stillWrong, applySteps.rollbackRestore, () => restoreAll(run));
  await attemptStep(run.steps, stillWrong, applySteps.rollbackWaitIps, () => waitActivities.waitForServiceIps(ipsBack));
  await attemptStep(run.steps, stillWrong, applySteps.rollbackUnpin, () =>
    compensationActivities.unpinServiceIps({ services, marker: run.marker }),
  );
  await attemptStep(run.steps, stillWrong, applySteps.rollbackVerify, () => verifyBackup(run));
  return stillWrong;
}

/** After a failure past the first write: roll back to the backup and the old IPs, then fail saying why. */
export async function rollBack(run: ApplyRun, error: unknown): Promise<never> {
  run.steps.phase('compensating');
  const reason = reasonOf(error);
  // Even a cancelled run puts the configuration back before it ends.
  const stillWrong = await CancellationScope.nonCancellable(() => rollBackAll(run));
  run.steps.phase('failed');
  const objects = `${run.backup.objects.length} object(s)`;
  if (stillWrong.length > 0)
    throw nonRetryableFailure(
      'RollbackFailed',
      `apply failed (${reason}); the rollback ran every step but ${stillWrong.length} did not succeed: ` +
        `${stillWrong.join('; ')}; the backup (${objects}) is in this run's history (--backup-of)`,
      error,
    );
  throw nonRetryableFailure(
    'ApplyRolledBack',
    `apply failed: ${reason}; rolled back: the config equals the backup (${objects}) ` +
      'and every Service holds its old IPs',
    error,
  );
}
