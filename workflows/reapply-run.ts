import type { ObjectDiff } from '../domain/audit/record.js';
import { workflowInfo } from '@temporalio/workflow';
import type { MetallbWorkloads } from '../kube/metallb-workloads.js';
import type { FactsScope } from '../kube/cluster-facts.js';
import type { ConfigBackup } from '../domain/runbooks/backup.js';
import { heldIps, untouchedReport } from '../domain/runbooks/ip-check.js';
import { ipChanges } from '../domain/runbooks/results.js';
import type { ClusterFacts, ServiceFacts } from '../domain/runbooks/service-facts.js';
import { reapplySteps } from '../domain/runbooks/steps.js';
import type { ReapplyConfigInput, RunbookResult, WaitLimits } from '../domain/runbooks/types.js';
import { waitActivities } from './activity-options.js';
import { deadlineIn, type RunbookSteps } from './progress-tracker.js';

/** What both reapply modes start from: MetalLB located, Service IPs recorded, the backup taken. */
export interface ReapplyRun {
  steps: RunbookSteps;
  input: ReapplyConfigInput;
  limits: WaitLimits;
  startedAt: string;
  metallb: MetallbWorkloads;
  scope: FactsScope;
  before: ClusterFacts;
  backup: ConfigBackup;
}

/** What a reapply run reports: changes and checks, one line each. */
export interface ReapplyReport {
  summary: string;
  changes: string[];
  checks: string[];
  /** What was written, for the audit record. */
  diff: ObjectDiff[];
}

/** The final check: no Service that held an IP inside a pool before the run has lost it. */
export async function verifyNoIpLost(run: ReapplyRun): Promise<ServiceFacts[]> {
  const mustKeepIp = heldIps(run.before.services);
  const check = { ...run.scope, mustHaveIp: [], mustKeepIp, deadline: deadlineIn(run.limits.serviceIpsSeconds) };
  const verified = await run.steps.run(reapplySteps.verifyIps, async () => ({
    after: await waitActivities.waitForServiceIpsInPools(check),
    kept: mustKeepIp.length,
  }));
  return verified.after;
}

/** The result of a finished reapply run; marks the run completed. */
export function reapplyResult(run: ReapplyRun, report: ReapplyReport, after: ServiceFacts[]): RunbookResult {
  run.steps.phase('completed');
  return {
    runbook: 'reapply-config',
    cluster: run.input.cluster,
    workflowId: workflowInfo().workflowId,
    startedAt: run.startedAt,
    finishedAt: new Date().toISOString(),
    summary: report.summary,
    changes: report.changes,
    checks: [
      ...report.checks,
      `none of the ${heldIps(run.before.services).length} Service(s) that held an IP lost it`,
      ...untouchedReport(run.before, after, []),
    ],
    services: ipChanges(run.before.services, after),
    diff: report.diff,
  };
}
