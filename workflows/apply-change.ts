import { setHandler, workflowInfo } from '@temporalio/workflow';
import type { LivePlan } from '../activities/plan-live-change.js';
import type { ChangePlan } from '../domain/plan/types.js';
import {
  foreignNamespaceRefusal,
  planDrift,
  planRefusal,
  stepTarget,
  writeGroups,
  type ApplyChangeInput,
  type ApplyResult,
} from '../domain/runbooks/apply.js';
import type { ConfigBackup } from '../domain/runbooks/backup.js';
import { pinMarker, pinMechanismFor } from '../domain/runbooks/pins.js';
import { describeIpChanges, ipChanges } from '../domain/runbooks/results.js';
import type { ServiceFacts } from '../domain/runbooks/service-facts.js';
import { applySteps, nthStep, type AnyStep } from '../domain/runbooks/steps.js';
import { withLimits } from '../domain/runbooks/types.js';
import type { MetallbWorkloads } from '../kube/metallb-workloads.js';
import { clusterActivities } from './activity-options.js';
import { openApprovalGate, type ApprovalGate } from './apply-approval.js';
import { applyPlan, verifyProjectedIps } from './apply-execute.js';
import { rollBack } from './apply-rollback.js';
import type { ApplyRun } from './apply-run.js';
import { nonRetryableFailure } from './failures.js';
import { backupQuery } from './messages.js';
import { trackSteps, type RunbookSteps } from './progress-tracker.js';
import { audited, type AuditTrail } from './audited.js';
import { runFlags } from '../domain/audit/record.js';
import { appliedDiff, recordedPlan } from '../domain/audit/runbook-diffs.js';

/** Plans against the live cluster; an invalid or unsafe plan fails the step before any write. */
async function planLive(input: ApplyChangeInput, metallb: MetallbWorkloads): Promise<LivePlan> {
  const foreign = foreignNamespaceRefusal(input.desired, metallb.namespace);
  if (foreign !== null) throw nonRetryableFailure('PlanRefused', `${foreign}; nothing was written`);
  const live = await clusterActivities.planLiveChange({
    namespace: metallb.namespace,
    metallbVersion: metallb.version,
    desired: input.desired,
    prune: input.prune,
    allowIpChanges: input.allowIpChanges,
    ...(input.bgpType ? { bgpType: input.bgpType } : {}),
    ...(input.testPlanSteps ? { testPlanSteps: input.testPlanSteps } : {}),
  });
  const refusal = planRefusal(live.plan);
  if (refusal !== null) throw nonRetryableFailure('PlanRefused', `${refusal}; nothing was written`);
  return live;
}

/** The approval gate, then the plan made again: a plan that drifted meanwhile is refused. */
async function approve(
  steps: RunbookSteps,
  gate: ApprovalGate,
  input: ApplyChangeInput,
  { planned, metallb }: { planned: LivePlan; metallb: MetallbWorkloads },
) {
  const approvedBy = await gate.await();
  await steps.run(applySteps.recheckPlan, async () => {
    const now = await planLive(input, metallb);
    const drift = planDrift(planned.plan, now.plan);
    if (drift !== null) throw nonRetryableFailure('PlanDrifted', `${drift}; nothing was written: plan and apply again`);
  });
  return approvedBy;
}

/** The numbered steps of this plan, shown pending in the progress once planned. */
function plannedSteps(plan: ChangePlan): AnyStep[] {
  return [
    ...writeGroups(plan.steps).flatMap(({ first, steps }) => {
      const label = String(first + 1);
      const what = steps.map(stepTarget).join(' + ');
      return [
        nthStep(applySteps.write as AnyStep, label, `${steps[0]!.action} ${what}`),
        nthStep(applySteps.waitProcessed as AnyStep, label, what),
        nthStep(applySteps.checkStep as AnyStep, label, what),
      ];
    }),
    applySteps.verifyIps,
  ];
}

function result(run: ApplyRun, after: ServiceFacts[]): ApplyResult {
  run.steps.phase('completed');
  const services = ipChanges(run.before.services, after);
  const moved = describeIpChanges(services);
  return {
    runbook: 'apply',
    cluster: run.input.cluster,
    workflowId: workflowInfo().workflowId,
    startedAt: run.startedAt,
    finishedAt: new Date().toISOString(),
    summary: `applied ${run.plan.steps.length} step(s); ${moved.length} Service IP(s) changed`,
    changes: run.applied.map((step) => `step ${step.index}: ${step.target} ${step.outcome} (${step.why})`),
    checks: [
      `backup of ${run.backup.objects.length} object(s) taken before the first write`,
      ...(run.approvedBy ? [`approved by ${run.approvedBy}; the plan still held at approval`] : []),
      'each step processed by the controller, with no new controller error, speaker rejection or diagnosis finding',
      ...moved.map((line) => `IP changed (projected by the plan): ${line}`),
    ],
    services,
    basedOn: run.plan.basedOn,
    steps: run.applied,
    approvedBy: run.approvedBy,
    diff: appliedDiff(run.applied, run.plan.changes),
  };
}

function nothingToDo(input: ApplyChangeInput, startedAt: string, steps: RunbookSteps, plan: ChangePlan): ApplyResult {
  steps.phase('completed');
  return {
    runbook: 'apply',
    cluster: input.cluster,
    workflowId: workflowInfo().workflowId,
    startedAt,
    finishedAt: new Date().toISOString(),
    summary: 'the cluster already matches the files: nothing to change',
    changes: [],
    checks: [],
    services: [],
    basedOn: plan.basedOn,
    steps: [],
    approvedBy: null,
  };
}

interface Preparation {
  steps: RunbookSteps;
  gate: ApprovalGate;
  trail: AuditTrail;
  onBackup: (backup: ConfigBackup) => void;
}

async function prepare(
  input: ApplyChangeInput,
  { steps, gate, trail, onBackup }: Preparation,
): Promise<ApplyRun | ApplyResult> {
  const startedAt = new Date().toISOString();
  const metallb = await steps.run(applySteps.locate, () => clusterActivities.findMetallbWorkloads());
  const planned = await steps.run(applySteps.planChange, () => planLive(input, metallb));
  gate.planned(planned.plan);
  trail.plan(recordedPlan(planned.plan));
  if (planned.plan.steps.length === 0) return nothingToDo(input, startedAt, steps, planned.plan);
  const approvedBy = input.approval ? await approve(steps, gate, input, { planned, metallb }) : null;
  const scope = { namespace: metallb.namespace, lbClass: metallb.lbClass };
  const before = await steps.run(applySteps.recordIps, () => clusterActivities.readClusterFacts(scope));
  trail.before(scope, before.services);
  // The backup is this activity's result: it lives in the workflow history (--backup-of reads it there).
  const backup = await steps.run(applySteps.exportConfig, () =>
    clusterActivities.exportMetallbConfig({ namespace: metallb.namespace }),
  );
  onBackup(backup);
  const mechanism = pinMechanismFor(metallb.version);
  const { workflowId, runId } = workflowInfo();
  return {
    steps,
    input,
    limits: withLimits(input),
    startedAt,
    metallb,
    scope,
    plan: planned.plan,
    baseline: planned.findings,
    before,
    backup,
    marker: pinMarker(workflowId, runId),
    pinAnnotations: 'annotations' in mechanism ? mechanism.annotations : [],
    approvedBy,
    written: [],
    applied: [],
  };
}

/**
 * Applies a MetalLB config change planned against the live cluster: backup, optional approval,
 * then one step at a time, each waited for and checked; on any failure, roll back to the backup
 * and the old Service IPs. Holds the cluster's change slot like the fix runbooks.
 */
export async function applyChange(input: ApplyChangeInput): Promise<ApplyResult> {
  let backup: ConfigBackup | null = null;
  setHandler(backupQuery, () => backup);
  const first = [applySteps.locate, applySteps.planChange];
  const approval = input.approval ? [applySteps.awaitApproval, applySteps.recheckPlan] : [];
  const steps = trackSteps('apply', input.cluster, [
    ...first,
    ...approval,
    applySteps.recordIps,
    applySteps.exportConfig,
  ]);
  return audited({ runbook: 'apply', input, steps, flags: runFlags(input) }, async (trail) => {
    const gate = openApprovalGate(input, steps, trail);
    try {
      const run = await prepare(input, { steps, gate, trail, onBackup: (taken) => (backup = taken) });
      if (!('marker' in run)) return run;
      trail.written(() => appliedDiff(run.applied, run.plan.changes));
      steps.plan(plannedSteps(run.plan));
      let after: ServiceFacts[];
      try {
        await applyPlan(run, writeGroups(run.plan.steps));
        after = await verifyProjectedIps(run);
      } catch (error) {
        return await rollBack(run, error);
      }
      return result(run, after);
    } catch (error) {
      steps.phase('failed');
      throw error;
    }
  });
}
