import type { KubeConfig } from '@kubernetes/client-node';
import { diagnose } from '../domain/diagnose/index.js';
import type { Finding } from '../domain/diagnose/report.js';
import { planChange } from '../domain/plan/plan.js';
import type { BgpType, ChangePlan, ConfigObject, PlanStep, PruneScope } from '../domain/plan/types.js';
import { runbookFailure } from '../kube/call.js';
import { snapshotFromObjects, type ClusterSnapshot } from '../domain/snapshot.js';
import { readCluster } from '../kube/read-cluster.js';
import { ApplicationFailure } from '@temporalio/common';

/** What the apply workflow plans: the desired objects against the live cluster. */
export interface LivePlanRequest {
  namespace: string;
  metallbVersion: string | null;
  desired: ConfigObject[];
  prune: PruneScope | null;
  allowIpChanges: boolean;
  bgpType?: BgpType;
  /** Test-only: see ApplyChangeInput.testPlanSteps. */
  testPlanSteps?: PlanStep[];
}

/** The plan, and the diagnosis findings the live cluster already has (so only new ones fail a step). */
export interface LivePlan {
  plan: ChangePlan;
  findings: string[];
}

/** Diagnosis checks a config change can break: a new finding of these after a step fails it. */
const watchedChecks = new Set(['advertisements', 'config-not-loaded', 'orphaned-ips', 'unmet-requests']);

/** The findings of `watchedChecks` at warning or error, one line each ("rule: title"). */
export function watchedFindings(snapshot: ClusterSnapshot, poolsInTransit: readonly string[] = []): string[] {
  const inTransit = (finding: Finding) => {
    const pool = finding.data?.['pool'];
    return finding.id === 'advertisement-unknown-pool' && typeof pool === 'string' && poolsInTransit.includes(pool);
  };
  return diagnose(snapshot)
    .findings.filter((finding) => watchedChecks.has(finding.check) && finding.severity !== 'info')
    .filter((finding) => !inTransit(finding))
    .map((finding) => `${finding.id}: ${finding.title}`)
    .sort();
}

/** The live cluster as the planner and the diagnosis read it (a short log window: only state matters). */
export async function liveSnapshot(kc: KubeConfig, namespace: string): Promise<ClusterSnapshot> {
  try {
    const read = await readCluster(kc, { metallbNamespace: namespace, logSinceSeconds: 60 });
    return snapshotFromObjects(read.objects, {
      collectedAt: new Date().toISOString(),
      source: 'cluster',
      logs: read.logs,
      metallbNamespace: namespace,
    });
  } catch (error) {
    // Unreachable or forbidden: retryable as the API error would be (a restarting API server).
    const message = `cannot read the cluster to plan: ${(error as Error).message}`;
    throw ApplicationFailure.create({ message, type: 'KubeServerError', nonRetryable: false });
  }
}

/** Plans the change inside the run, from what the cluster holds now (never from the CLI's plan). */
export async function planLiveChange(kc: KubeConfig, request: LivePlanRequest): Promise<LivePlan> {
  const snapshot = await liveSnapshot(kc, request.namespace);
  const plan = planChange({
    snapshot,
    desired: request.desired,
    prune: request.prune,
    allowIpChanges: request.allowIpChanges,
    target: {
      namespace: request.namespace,
      metallbVersion: request.metallbVersion ?? snapshot.metallbVersion,
      bgpType: request.bgpType ?? 'native',
    },
  });
  return { plan: withTestSteps(plan, request.testPlanSteps), findings: watchedFindings(snapshot) };
}

/** The test-only seam: hand-written steps, accepted only by a worker that enabled test seams. */
export function withTestSteps(plan: ChangePlan, steps: PlanStep[] | undefined): ChangePlan {
  if (steps === undefined) return plan;
  if (process.env.METALLB_RUNBOOKS_TEST_SEAMS !== '1')
    throw runbookFailure(
      'PlanRefused',
      'a hand-written plan (testPlanSteps) is only accepted by a worker started with METALLB_RUNBOOKS_TEST_SEAMS=1',
    );
  return { ...plan, steps };
}
