// Shared by restart-controller and restart-speakers: roll the workload the way `kubectl rollout
// restart` does, wait for the rollout as observed on the cluster, verify, report the Service IPs.
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import type { MetallbWorkloads } from '../kube/metallb-workloads.js';
import type { RolloutDone } from '../activities/wait-for-rollout.js';
import type { RunbookName } from '../domain/runbooks/names.js';
import { describeIpChanges, ipChanges } from '../domain/runbooks/results.js';
import type { WorkloadKind } from '../domain/runbooks/rollout-check.js';
import { withLimits, type RunbookInput, type RunbookResult, type WaitLimits } from '../domain/runbooks/types.js';
import { kube, waits } from './activity-options.js';
import { deadlineIn, trackProgress, type Tracker } from './progress-tracker.js';

export interface Component {
  runbook: RunbookName;
  kind: WorkloadKind;
  steps: RestartSteps;
  /** Checks the new pods' logs (and state objects); returns one line for the result. */
  verify(tracker: Tracker, ns: string, pods: string[], limits: WaitLimits): Promise<string>;
}

export const restartSteps = (label: string, verifyTitle: string) => ({
  locate: { id: 'locate', title: 'Locate MetalLB' },
  recordIps: { id: 'record-ips', title: 'Record every Service IP' },
  restart: { id: 'restart', title: `Restart the ${label} (rollout-restart annotation)` },
  rollout: { id: 'wait-rollout', title: `Wait for the ${label} rollout` },
  verify: { id: 'verify-logs', title: verifyTitle },
  verifyIps: { id: 'verify-ips', title: 'Verify every Service IP is inside a pool' },
});

type RestartSteps = ReturnType<typeof restartSteps>;

function workloadName(m: MetallbWorkloads, c: Component): string {
  const name = c.kind === 'Deployment' ? m.controller : m.speaker;
  if (name === null)
    throw ApplicationFailure.nonRetryable(
      `MetalLB in ${m.namespace} has no speaker DaemonSet to restart`,
      'MetallbNotFound',
    );
  return name;
}

async function rollOut(t: Tracker, c: Component, ns: string, name: string, limits: WaitLimits): Promise<RolloutDone> {
  const { steps } = c;
  // Workflow-derived token: a retried patch writes the same value and starts no second rollout.
  const token = workflowInfo().runStartTime.toISOString();
  const restart = await t.step(
    steps.restart,
    null,
    () => kube.restartWorkload({ kind: c.kind, namespace: ns, name, token }),
    (r) =>
      `${c.kind} ${ns}/${name} restartedAt=${token} (generation ${r.generation}${r.changed ? '' : ', already patched'})`,
  );
  const waitingFor = `${c.kind} ${ns}/${name}: generation ${restart.generation} observed, every pod replaced and ready`;
  return t.step(
    steps.rollout,
    waitingFor,
    () =>
      waits.waitForRolloutComplete({
        kind: c.kind,
        namespace: ns,
        name,
        generation: restart.generation,
        deadline: deadlineIn(limits.rolloutSeconds),
      }),
    (r) => r.message,
  );
}

export async function restartComponent(c: Component, input: RunbookInput): Promise<RunbookResult> {
  const limits = withLimits(input);
  const { steps } = c;
  const startedAt = new Date().toISOString();
  const t = trackProgress(c.runbook, input.cluster, Object.values(steps));
  try {
    const m = await t.step(
      steps.locate,
      null,
      () => kube.findMetallbWorkloads(),
      (w) => `MetalLB in ${w.namespace}: Deployment ${w.controller}, DaemonSet ${w.speaker ?? '(none)'}`,
    );
    const scope = { namespace: m.namespace, lbClass: m.lbClass };
    const before = await t.step(
      steps.recordIps,
      null,
      () => kube.readClusterFacts(scope),
      (f) => `${f.services.filter((s) => s.served).length} MetalLB Service(s)`,
    );
    const name = workloadName(m, c);
    const rollout = await rollOut(t, c, m.namespace, name, limits);
    const verified = await c.verify(
      t,
      m.namespace,
      rollout.pods.map((p) => p.name),
      limits,
    );
    const after = await t.step(
      steps.verifyIps,
      'every MetalLB Service IP inside a pool',
      () =>
        waits.waitForServiceIpsInPools({ ...scope, mustHaveIp: [], deadline: deadlineIn(limits.serviceIpsSeconds) }),
      (s) => `${s.length} Service(s) checked`,
    );
    const services = ipChanges(before.services, after);
    t.phase('completed');
    return {
      runbook: c.runbook,
      cluster: input.cluster,
      workflowId: workflowInfo().workflowId,
      startedAt,
      finishedAt: new Date().toISOString(),
      summary: `restarted ${c.kind} ${m.namespace}/${name}; ${rollout.pods.length} new pod(s) ready; ${describeIpChanges(services).length} Service IP(s) changed`,
      changes: [
        `${c.kind} ${m.namespace}/${name}: rollout restart, new pods ${rollout.pods.map((p) => p.name).join(', ')}`,
      ],
      checks: [
        rollout.message,
        verified,
        `every Service IP is inside a pool (${after.length} Service(s))`,
        ...describeIpChanges(services),
      ],
      services,
    };
  } catch (error) {
    t.phase('failed');
    throw error;
  }
}
