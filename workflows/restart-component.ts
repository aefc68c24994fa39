// Shared by restart-controller and restart-speakers: roll the workload the way `kubectl rollout
// restart` does, wait for the rollout as observed on the cluster, verify, report the Service IPs.
import { nonRetryableFailure } from './failures.js';
import { workflowInfo } from '@temporalio/workflow';
import type { MetallbWorkloads } from '../kube/metallb-workloads.js';
import type { RolloutDone } from '../activities/wait-for-rollout.js';
import { heldIps, untouchedReport } from '../domain/runbooks/ip-check.js';
import type { RunbookName } from '../domain/runbooks/names.js';
import { describeIpChanges, ipChanges } from '../domain/runbooks/results.js';
import type { WorkloadKind } from '../domain/runbooks/rollout-check.js';
import type { ClusterFacts } from '../domain/runbooks/service-facts.js';
import type { restartControllerSteps } from '../domain/runbooks/steps.js';
import { withLimits, type RunbookInput, type RunbookResult, type WaitLimits } from '../domain/runbooks/types.js';
import { clusterActivities, waitActivities } from './activity-options.js';
import { deadlineIn, trackSteps, type RunbookSteps } from './progress-tracker.js';
import { audited, type AuditTrail } from './audited.js';
import { runFlags } from '../domain/audit/record.js';
import { restartDiff } from '../domain/audit/runbook-diffs.js';

/** What differs between restarting the controller and the speakers. */
export interface Component {
  runbook: RunbookName;
  kind: WorkloadKind;
  steps: Omit<typeof restartControllerSteps, 'verifyLogs'>;
  /** Checks the new pods' logs (and state objects); returns the lines for the result's checks. */
  verify(run: RestartRun, pods: string[]): Promise<string[]>;
}

/** One restart as it runs. */
export interface RestartRun {
  steps: RunbookSteps;
  metallb: MetallbWorkloads;
  limits: WaitLimits;
  /** MetalLB Services pending before the run: the new controller retries each once. */
  pendingBefore: number;
  trail: AuditTrail;
}

function workloadName(metallb: MetallbWorkloads, component: Component): string {
  const name = component.kind === 'Deployment' ? metallb.controller : metallb.speaker;
  if (name === null)
    throw nonRetryableFailure('MetallbNotFound', `MetalLB in ${metallb.namespace} has no speaker DaemonSet to restart`);
  return name;
}

async function rollOut(run: RestartRun, component: Component, name: string): Promise<RolloutDone> {
  const { kind, steps } = component;
  const namespace = run.metallb.namespace;
  // Workflow-derived token: a retried patch writes the same value and starts no second rollout.
  const token = workflowInfo().runStartTime.toISOString();
  const target = `${kind} ${namespace}/${name}`;
  const restartWorkload = async () => ({
    ...(await clusterActivities.restartWorkload({ kind, namespace, name, token })),
    target,
    token,
  });
  const restarted = await run.steps.run(steps.restart, restartWorkload);
  run.trail.written(() => [restartDiff({ kind, namespace, name }, token)]);
  const rollout = { kind, namespace, name, generation: restarted.generation };
  const deadline = deadlineIn(run.limits.rolloutSeconds);
  return run.steps.run(steps.rollout, () => waitActivities.waitForRolloutComplete({ ...rollout, deadline }));
}

async function verifyIps(run: RestartRun, component: Component, before: ClusterFacts) {
  const mustKeepIp = heldIps(before.services);
  const scope = { namespace: run.metallb.namespace, lbClass: run.metallb.lbClass };
  const check = { ...scope, mustHaveIp: [], mustKeepIp, deadline: deadlineIn(run.limits.serviceIpsSeconds) };
  const verified = async () => ({
    after: await waitActivities.waitForServiceIpsInPools(check),
    kept: mustKeepIp.length,
  });
  return run.steps.run(component.steps.verifyIps, verified);
}

async function restart(
  component: Component,
  input: RunbookInput,
  steps: RunbookSteps,
  trail: AuditTrail,
): Promise<RunbookResult> {
  const startedAt = new Date().toISOString();
  const metallb = await steps.run(component.steps.locate, () => clusterActivities.findMetallbWorkloads());
  const scope = { namespace: metallb.namespace, lbClass: metallb.lbClass };
  const before = await steps.run(component.steps.recordIps, () => clusterActivities.readClusterFacts(scope));
  trail.before(scope, before.services);
  const pendingBefore = before.services.filter((service) => service.served && service.ips.length === 0).length;
  const run: RestartRun = { steps, metallb, limits: withLimits(input), pendingBefore, trail };
  const name = workloadName(metallb, component);
  const rollout = await rollOut(run, component, name);
  const token = workflowInfo().runStartTime.toISOString();
  const diff = [restartDiff({ kind: component.kind, namespace: metallb.namespace, name }, token)];
  const newPods = rollout.pods.map((pod) => pod.name);
  const verified = await component.verify(run, newPods);
  const { after, kept } = await verifyIps(run, component, before);
  const services = ipChanges(before.services, after);
  steps.phase('completed');
  const target = `${component.kind} ${metallb.namespace}/${name}`;
  return {
    runbook: component.runbook,
    cluster: input.cluster,
    workflowId: workflowInfo().workflowId,
    startedAt,
    finishedAt: new Date().toISOString(),
    summary:
      `restarted ${target}; ${rollout.pods.length} new pod(s) ready; ` +
      `${describeIpChanges(services).length} Service IP(s) changed`,
    changes: [`${target}: rollout restart, new pods ${newPods.join(', ')}`],
    checks: [
      rollout.message,
      ...verified,
      `none of the ${kept} Service(s) that held an IP lost it`,
      ...untouchedReport(before, after, []),
    ],
    services,
    diff,
  };
}

/** Runs a restart runbook: the progress query answers from the first step on. */
export async function restartComponent(component: Component, input: RunbookInput): Promise<RunbookResult> {
  const steps = trackSteps(component.runbook, input.cluster, Object.values(component.steps));
  return audited({ runbook: component.runbook, input, steps, flags: runFlags(input) }, async (trail) => {
    try {
      return await restart(component, input, steps, trail);
    } catch (error) {
      steps.phase('failed');
      throw error;
    }
  });
}
