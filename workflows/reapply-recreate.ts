import { nonRetryableFailure } from './failures.js';
import { workflowInfo } from '@temporalio/workflow';
import { creationOrder, deletionOrder, entryRef } from '../domain/runbooks/backup.js';
import { pinMarker, pinMechanismFor, planPins, type ServicePin } from '../domain/runbooks/pins.js';
import { reapplySteps } from '../domain/runbooks/steps.js';
import { recreateTimeRefusal } from '../domain/runbooks/time-budget.js';
import type { RunbookResult } from '../domain/runbooks/types.js';
import { clusterActivities, waitActivities } from './activity-options.js';
import { deadlineIn } from './progress-tracker.js';
import { compensate, unpinBeforeAnyDelete, type Pins } from './reapply-compensate.js';
import { recreateDiff } from '../domain/audit/runbook-diffs.js';
import { reapplyResult, verifyNoIpLost, type ReapplyRun } from './reapply-run.js';

/** Deletes in dependency order; returns when the last delete came back. */
async function deleteAll(run: ReapplyRun): Promise<{ at: string; count: number }> {
  let at = new Date().toISOString();
  const entries = deletionOrder(run.backup.objects);
  for (const entry of entries) at = (await clusterActivities.deleteConfigObject(entry)).at;
  return { at, count: entries.length };
}

async function recreateAll(run: ReapplyRun): Promise<number> {
  let created = 0;
  for (const entry of creationOrder(run.backup.objects))
    if ((await clusterActivities.createConfigObject({ entry, holdAutoAssign: true })).created) created++;
  return created;
}

async function releaseAll(run: ReapplyRun): Promise<number> {
  const pools = run.backup.objects.filter((entry) => entry.kind === 'IPAddressPool');
  for (const entry of pools) await clusterActivities.releaseAutoAssign(entry);
  return pools.length;
}

async function waitDeletionsProcessed(run: ReapplyRun, pins: Pins, deletedAt: string) {
  const { objects } = run.backup;
  return waitActivities.waitForDeletionsProcessed({
    namespace: run.metallb.namespace,
    entries: objects,
    services: pins.watched.map((pin) => pin.service),
    deletedAt,
    controllerReads: objects.some((entry) => entry.kind === 'IPAddressPool' || entry.kind === 'Community'),
    deadline: deadlineIn(run.limits.configProcessedSeconds),
  });
}

/** Everything after the first delete: any failure here is compensated. Returns the deletions' evidence. */
async function deleteAndRecreate(run: ReapplyRun, pins: Pins): Promise<string> {
  const { steps, backup, limits } = run;
  const deleted = await steps.run(reapplySteps.delete, () => deleteAll(run));
  const processed = await steps.run(reapplySteps.waitDeleted, () => waitDeletionsProcessed(run, pins, deleted.at));
  await steps.run(reapplySteps.recreate, () => recreateAll(run));
  const ipsBack = { expected: pins.watched, deadline: deadlineIn(limits.serviceIpsSeconds) };
  await steps.run(reapplySteps.waitIps, () => waitActivities.waitForServiceIps(ipsBack));
  await steps.run(reapplySteps.releaseAutoAssign, () => releaseAll(run));
  const ours = { services: pins.pinned.map((pin) => pin.service), marker: pins.marker };
  await steps.run(reapplySteps.unpin, () => clusterActivities.unpinServiceIps(ours));
  const entries = { entries: backup.objects };
  await steps.run(reapplySteps.verifyConfig, () => clusterActivities.verifyConfigMatchesBackup(entries));
  return processed.evidence;
}

/** Pins every healthy Service with the annotation(s) the running MetalLB reads. */
async function pinAll(run: ReapplyRun, annotations: string[]): Promise<Pins> {
  const plan = planPins(run.before);
  const { workflowId, runId } = workflowInfo();
  const marker = pinMarker(workflowId, runId);
  const pinned = await run.steps.run(reapplySteps.pin, async () => ({
    ...(await clusterActivities.pinServiceIps({ pins: plan.pin, marker, annotations })),
    alreadyRequested: plan.alreadyRequested.length,
  }));
  const watched: ServicePin[] = [...pinned.pinned, ...plan.alreadyRequested];
  return { marker, pinned: pinned.pinned, watched };
}

/** Seconds left before the run's execution timeout ends it (null: the run has none). */
function secondsLeftInRun(): number | null {
  const expires = workflowInfo().executionExpirationTime;
  return expires ? (expires.getTime() - Date.now()) / 1000 : null;
}

/** Fails the pin step before any write: pins cannot hold the IPs, or the run could not finish in time. */
async function refusePins(run: ReapplyRun, refusal: string): Promise<never> {
  const refused = nonRetryableFailure('PinRefused', refusal);
  await run.steps.run(reapplySteps.pin, () => Promise.reject(refused));
  throw refused; // not reached: the failed step throws
}

/** Delete and re-create every object without changing any healthy Service's IP. */
export async function reapplyRecreate(run: ReapplyRun): Promise<RunbookResult> {
  const mechanism = pinMechanismFor(run.metallb.version);
  if ('refusal' in mechanism) return refusePins(run, mechanism.refusal);
  const tooLittleTime = recreateTimeRefusal(secondsLeftInRun(), run.limits);
  if (tooLittleTime !== null) return refusePins(run, tooLittleTime);
  const pins = await pinAll(run, mechanism.annotations).catch((error: unknown) => unpinBeforeAnyDelete(run, error));
  let evidence: string;
  try {
    evidence = await deleteAndRecreate(run, pins);
  } catch (error) {
    return compensate(run, pins, error);
  }
  const after = await verifyNoIpLost(run);
  const refs = run.backup.objects.map(entryRef);
  const changes = [
    `deleted and re-created ${refs.length} object(s): ${refs.join(', ') || 'none'}`,
    `pinned ${pins.pinned.length} Service(s) during the change, pins removed`,
  ];
  const checks = [
    `deletions processed: ${evidence}`,
    `every object matches the backup`,
    `${pins.watched.length} Service(s) kept their IPs`,
  ];
  const summary = `re-created ${refs.length} MetalLB object(s); no healthy Service changed its IP`;
  const diff = recreateDiff(refs, pins.pinned, mechanism.annotations);
  return reapplyResult(run, { summary, changes, checks, diff }, after);
}
