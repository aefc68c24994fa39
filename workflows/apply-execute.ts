// apply's steps, one write group at a time: write, wait for the controller to process it, check
// the controller, the speakers and the diagnosis; a complaining component is restarted by its own
// runbook as a child workflow and checked again. Any failure here is rolled back by the caller.
import { ActivityFailure, ApplicationFailure, executeChild, workflowInfo } from '@temporalio/workflow';
import type { PlanStep } from '../domain/plan/types.js';
import {
  backedUpEntry,
  desiredEntry,
  healthProblem,
  isPinStep,
  mustBePlaced,
  mustKeepIps,
  poolsInTransit,
  remedyFor,
  servicePins,
  stepTarget,
  type AppliedStep,
  type ObjectStep,
  type PinStep,
  type StepHealth,
} from '../domain/runbooks/apply.js';
import { applySteps, nthStep } from '../domain/runbooks/steps.js';
import type { ServiceFacts } from '../domain/runbooks/service-facts.js';
import type { WrittenObject } from '../activities/wait-for-change-processed.js';
import { clusterActivities, waitActivities } from './activity-options.js';
import { nonRetryableFailure } from './failures.js';
import { deadlineIn, reasonOf } from './progress-tracker.js';
import type { ApplyRun } from './apply-run.js';
import { restartController } from './restart-controller.js';
import { restartSpeakers } from './restart-speakers.js';

/** What one write group wrote. */
interface GroupWrite {
  outcomes: string[];
  objects: WrittenObject[];
  at: string;
}

/** How long a new diagnosis finding may take to clear (pool status follows a reload). */
const findingsSettleSeconds = 30;

type StepRecord = Pick<AppliedStep, 'index' | 'outcome' | 'before' | 'after'>;

/** Keeps what a step did for the result; returns its one-line outcome. */
function record(run: ApplyRun, step: PlanStep, done: StepRecord): string {
  const applied: AppliedStep = { ...done, action: step.action, target: stepTarget(step), why: step.why };
  run.applied.push(applied);
  return `${applied.target} ${done.outcome}`;
}

async function writePins(run: ApplyRun, index: number, step: PinStep): Promise<string> {
  const pins = servicePins(step);
  if (step.action === 'pin-services') {
    const pinned = await clusterActivities.pinServiceIps({ pins, marker: run.marker, annotations: run.pinAnnotations });
    run.written.push({ step, backedUp: null, created: null });
    const outcome = `pinned (${pinned.pinned.length}, ${pinned.skipped.length} skipped)`;
    return record(run, step, { index, outcome, before: null, after: pins });
  }
  const services = pins.map((pin) => pin.service);
  const removed = await clusterActivities.unpinServiceIps({ services, marker: run.marker });
  return record(run, step, { index, outcome: `unpinned (${removed.unpinned.length})`, before: pins, after: null });
}

async function writeObject(run: ApplyRun, index: number, step: ObjectStep): Promise<WrittenObject> {
  const backedUp = backedUpEntry(run.backup, step.kind, step.name);
  const before = backedUp?.manifest.spec ?? null;
  if (step.action === 'create') {
    const entry = desiredEntry(step, run.metallb.namespace);
    const done = await clusterActivities.writeConfigObject({ action: 'create', entry });
    // Recorded once written: a create that failed wrote nothing of ours (or met someone else's object).
    run.written.push({ step, backedUp, created: { ...entry, uid: done.uid } });
    record(run, step, { index, outcome: done.action, before, after: entry.manifest.spec });
    return { entry, present: true, changed: done.action !== 'unchanged' };
  }
  if (backedUp === null)
    throw nonRetryableFailure('ConfigObjectChanged', `${step.kind}/${step.name} is not in the backup: it is gone`);
  // Recorded before the write: putting the backed-up object back is harmless if the write did not land.
  run.written.push({ step, backedUp, created: null });
  if (step.action === 'delete') {
    const done = await clusterActivities.deleteConfigObject(backedUp);
    record(run, step, { index, outcome: done.deleted ? 'deleted' : 'already gone', before, after: null });
    return { entry: backedUp, present: false, changed: done.deleted };
  }
  const entry = desiredEntry(step, run.metallb.namespace);
  const done = await clusterActivities.writeConfigObject({ action: 'update', entry, backedUp });
  record(run, step, { index, outcome: done.action, before, after: entry.manifest.spec });
  return { entry, present: true, changed: done.action !== 'unchanged' };
}

async function writeGroup(run: ApplyRun, first: number, group: PlanStep[]): Promise<GroupWrite> {
  const at = new Date().toISOString();
  const outcomes: string[] = [];
  const objects: WrittenObject[] = [];
  for (const [offset, step] of group.entries()) {
    const index = first + offset + 1;
    if (isPinStep(step)) outcomes.push(await writePins(run, index, step));
    else {
      objects.push(await writeObject(run, index, step));
      outcomes.push(run.applied.at(-1)!.target + ' ' + run.applied.at(-1)!.outcome);
    }
  }
  return { outcomes, objects, at };
}

const controllerKinds = new Set(['IPAddressPool', 'Community']);

/** An observed wait that ran out of time (the controller did not act), as opposed to any other failure. */
const timedOut = (error: unknown): boolean =>
  error instanceof ActivityFailure &&
  error.cause instanceof ApplicationFailure &&
  error.cause.type === 'DeadlineExceeded';

/** What the wait after a write saw; stalled: the controller did not process it in time (restart it, wait again). */
interface Processed {
  evidence: string;
  stalled: boolean;
}

async function controllerProcessed(run: ApplyRun, written: GroupWrite, mayStall: boolean): Promise<Processed> {
  const changed = written.objects.filter((object) => object.changed);
  if (changed.length === 0)
    return {
      evidence: written.objects.length ? 'nothing changed: the objects were already as desired' : 'only pins written',
      stalled: false,
    };
  const wait = {
    namespace: run.metallb.namespace,
    writtenAt: written.at,
    written: changed,
    controllerReads: changed.some((object) => controllerKinds.has(object.entry.kind)),
    deadline: deadlineIn(run.limits.configProcessedSeconds),
  };
  try {
    return { ...(await waitActivities.waitForChangeProcessed(wait)), stalled: false };
  } catch (error) {
    if (!mayStall || !timedOut(error)) throw error;
    return { evidence: `the controller did not process the write in time (${reasonOf(error)})`, stalled: true };
  }
}

async function waitProcessed(run: ApplyRun, written: GroupWrite, mayStall: boolean): Promise<Processed> {
  const processed = await controllerProcessed(run, written, mayStall);
  if (processed.stalled) return processed;
  const keep = mustKeepIps(run.before.services, run.plan);
  await waitActivities.waitForServiceIps({ expected: keep, deadline: deadlineIn(run.limits.serviceIpsSeconds) });
  return { evidence: `${processed.evidence}; ${keep.length} Service(s) kept their IPs`, stalled: false };
}

async function checkHealth(run: ApplyRun, since: string, failOnRemedy: boolean): Promise<StepHealth> {
  const health = await waitActivities.checkChangeHealth({
    namespace: run.metallb.namespace,
    since,
    baseline: run.baseline,
    deadline: deadlineIn(findingsSettleSeconds),
    poolsInTransit: poolsInTransit(run.plan),
  });
  const problem = healthProblem(health);
  // A complaint a restart may cure is not a failure yet (unless the restart already ran).
  if (problem !== null && (failOnRemedy || remedyFor(health) === null))
    throw nonRetryableFailure('VerificationFailed', `the cluster is not healthy after the write: ${problem}`);
  return health;
}

async function restartFor(run: ApplyRun, label: string, remedy: 'restart-controller' | 'restart-speakers') {
  const child = { cluster: run.input.cluster, requestedBy: run.input.requestedBy };
  const workflowId = `${workflowInfo().workflowId}.${remedy}.${label}`;
  const step = remedy === 'restart-controller' ? applySteps.restartController : applySteps.restartSpeakers;
  const runbook = remedy === 'restart-controller' ? restartController : restartSpeakers;
  await run.steps.run(nthStep(step, label, `after step ${label}`), () =>
    executeChild(runbook, { workflowId, args: [child] }),
  );
}

/** Writes one group, waits for it, checks it; restarts a complaining component once, then checks again. */
async function applyGroup(run: ApplyRun, first: number, group: PlanStep[]): Promise<void> {
  const label = String(first + 1);
  const what = group.map(stepTarget).join(' + ');
  const written = await run.steps.run(nthStep(applySteps.write, label, `${group[0]!.action} ${what}`), () =>
    writeGroup(run, first, group),
  );
  const processed = await run.steps.run(nthStep(applySteps.waitProcessed, label, what), () =>
    waitProcessed(run, written, true),
  );
  if (processed.stalled) {
    // A controller that does not act on a write is restarted like one that logs errors, then waited for again.
    await restartFor(run, `${label}-unprocessed`, 'restart-controller');
    const again = nthStep(applySteps.waitProcessed, `${label}-again`, `${what} (after the restart)`);
    await run.steps.run(again, () => waitProcessed(run, written, false));
  }
  const health = await run.steps.run(nthStep(applySteps.checkStep, label, what), () =>
    checkHealth(run, written.at, false),
  );
  const remedy = remedyFor(health);
  if (remedy === null) return;
  await restartFor(run, label, remedy);
  const again = nthStep(applySteps.checkStep, `${label}-again`, `${what} (after the restart)`);
  await run.steps.run(again, () => checkHealth(run, written.at, true));
}

/** Every write group in the plan's order. */
export async function applyPlan(run: ApplyRun, groups: { first: number; steps: PlanStep[] }[]): Promise<void> {
  for (const group of groups) await applyGroup(run, group.first, group.steps);
}

/** After the last step: every Service as the plan projects it. Returns every served Service afterwards. */
export async function verifyProjectedIps(run: ApplyRun): Promise<ServiceFacts[]> {
  const keep = mustKeepIps(run.before.services, run.plan);
  const placed = mustBePlaced(run.plan);
  const deadline = deadlineIn(run.limits.serviceIpsSeconds);
  const verified = await run.steps.run(applySteps.verifyIps, async () => {
    await waitActivities.waitForServiceIps({ expected: keep, deadline });
    const after = await waitActivities.waitForServiceIpsInPools({ ...run.scope, mustHaveIp: placed, deadline });
    return { after, kept: keep.length, placed: placed.length };
  });
  return verified.after;
}

/** The refs a plan writes, for the result's summary. */
export const objectRefs = (run: ApplyRun): string[] =>
  run.applied.filter((step) => !['pin-services', 'unpin-services'].includes(step.action)).map((step) => step.target);
