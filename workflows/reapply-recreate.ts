import { workflowInfo } from '@temporalio/workflow';
import { creationOrder, deletionOrder, entryRef } from '../domain/runbooks/backup.js';
import { pinMarker, planPins, type ServicePin } from '../domain/runbooks/pins.js';
import type { RunbookResult } from '../domain/runbooks/types.js';
import { kube, waits } from './activity-options.js';
import { deadlineIn } from './progress-tracker.js';
import { compensate, unpinBeforeAnyDelete, type Pins } from './reapply-compensate.js';
import { reapplyResult, type ReapplyRun } from './reapply-run.js';
import { reapplySteps as S } from './reapply-steps.js';

/** Deletes in dependency order; returns when the last delete came back. */
async function deleteAll(run: ReapplyRun): Promise<string> {
  let at = new Date().toISOString();
  for (const entry of deletionOrder(run.backup.objects)) at = (await kube.deleteConfigObject(entry)).at;
  return at;
}

async function recreateAll(run: ReapplyRun): Promise<number> {
  let created = 0;
  for (const entry of creationOrder(run.backup.objects))
    if ((await kube.createConfigObject({ entry, holdAutoAssign: true })).created) created++;
  return created;
}

async function releaseAll(run: ReapplyRun): Promise<number> {
  const pools = run.backup.objects.filter((e) => e.kind === 'IPAddressPool');
  for (const entry of pools) await kube.releaseAutoAssign(entry);
  return pools.length;
}

/** Everything after the first delete: any failure here is compensated. */
async function deleteAndRecreate(run: ReapplyRun, pins: Pins): Promise<string> {
  const { t, backup, limits } = run;
  const services = pins.watched.map((p) => p.service);
  const deletedAt = await t.step(
    S.delete,
    null,
    () => deleteAll(run),
    () => `${backup.objects.length} object(s) deleted`,
  );
  const controllerReads = backup.objects.some((e) => e.kind === 'IPAddressPool' || e.kind === 'Community');
  const wait = {
    namespace: run.m.namespace,
    entries: backup.objects,
    services,
    deletedAt,
    controllerReads,
    deadline: deadlineIn(limits.configProcessedSeconds),
  };
  const processed = await t.step(
    S.waitDeleted,
    'objects gone and the controller done with them (pinned Services cleared, or "config reloaded" logged)',
    () => waits.waitForDeletionsProcessed(wait),
    (r) => r.evidence,
  );
  await t.step(
    S.recreate,
    null,
    () => recreateAll(run),
    (n) => `${n} object(s) created`,
  );
  await t.step(
    S.waitIps,
    `${pins.watched.length} Service(s) to hold their previous IPs`,
    () => waits.waitForServiceIps({ expected: pins.watched, deadline: deadlineIn(limits.serviceIpsSeconds) }),
    (r) => `${r.length} Service(s) have their IPs back`,
  );
  await t.step(
    S.releaseAutoAssign,
    null,
    () => releaseAll(run),
    (n) => `${n} pool(s) back to their own autoAssign`,
  );
  await t.step(
    S.unpin,
    null,
    () => kube.unpinServiceIps({ services: pins.pinned.map((p) => p.service), marker: pins.marker }),
    (r) => `${r.unpinned.length} pin(s) removed`,
  );
  await t.step(
    S.verifyConfig,
    null,
    () => kube.verifyConfigMatchesBackup({ entries: backup.objects }),
    (r) => `${r.checked} object(s) identical to the backup`,
  );
  return processed.evidence;
}

async function pinAll(run: ReapplyRun): Promise<Pins> {
  const plan = planPins(run.before);
  const info = workflowInfo();
  const marker = pinMarker(info.workflowId, info.runId);
  const outcome = await run.t.step(
    S.pin,
    null,
    () => kube.pinServiceIps({ pins: plan.pin, marker }),
    (o) =>
      `${o.pinned.length} pinned, ${plan.alreadyRequested.length} already request their IPs${o.skipped.length ? `, ${o.skipped.length} skipped` : ''}`,
  );
  const watched: ServicePin[] = [...outcome.pinned, ...plan.alreadyRequested];
  return { marker, pinned: outcome.pinned, watched };
}

/** Delete and re-create every object without changing any healthy Service's IP. */
export async function reapplyRecreate(run: ReapplyRun): Promise<RunbookResult> {
  const { t, backup, limits } = run;
  const pins = await pinAll(run).catch((error: unknown) => unpinBeforeAnyDelete(run, error));
  let evidence: string;
  try {
    evidence = await deleteAndRecreate(run, pins);
  } catch (error) {
    return compensate(run, pins, error);
  }
  const after = await t.step(S.verifyIps, 'every MetalLB Service IP inside a pool', () =>
    waits.waitForServiceIpsInPools({ ...run.scope, mustHaveIp: [], deadline: deadlineIn(limits.serviceIpsSeconds) }),
  );
  const refs = backup.objects.map(entryRef);
  const changes = [
    `deleted and re-created ${refs.length} object(s): ${refs.join(', ') || 'none'}`,
    `pinned ${pins.pinned.length} Service(s) during the change, pins removed`,
  ];
  const checks = [
    `deletions processed: ${evidence}`,
    `every object matches the backup`,
    `${pins.watched.length} Service(s) kept their IPs`,
    `every Service IP is inside a pool (${after.length} Service(s))`,
  ];
  return reapplyResult(
    run,
    `re-created ${refs.length} MetalLB object(s); no healthy Service changed its IP`,
    changes,
    checks,
    after,
  );
}
