import { workflowInfo } from '@temporalio/workflow';
import type { MetallbWorkloads } from '../kube/metallb-workloads.js';
import type { FactsScope } from '../kube/cluster-facts.js';
import type { ConfigBackup } from '../domain/runbooks/backup.js';
import { ipChanges } from '../domain/runbooks/results.js';
import type { ClusterFacts, ServiceFacts } from '../domain/runbooks/service-facts.js';
import type { ReapplyConfigInput, RunbookResult, WaitLimits } from '../domain/runbooks/types.js';
import type { Tracker } from './progress-tracker.js';

/** What both reapply modes start from: MetalLB located, Service IPs recorded, the backup taken. */
export interface ReapplyRun {
  t: Tracker;
  input: ReapplyConfigInput;
  limits: WaitLimits;
  startedAt: string;
  m: MetallbWorkloads;
  scope: FactsScope;
  before: ClusterFacts;
  backup: ConfigBackup;
}

export function reapplyResult(
  run: ReapplyRun,
  summary: string,
  changes: string[],
  checks: string[],
  after: ServiceFacts[],
): RunbookResult {
  run.t.phase('completed');
  return {
    runbook: 'reapply-config',
    cluster: run.input.cluster,
    workflowId: workflowInfo().workflowId,
    startedAt: run.startedAt,
    finishedAt: new Date().toISOString(),
    summary,
    changes,
    checks,
    services: ipChanges(run.before.services, after),
  };
}
