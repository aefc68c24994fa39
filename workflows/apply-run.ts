// What the apply workflow carries from step to step, and its shared pieces (the pins it uses).
import type { ChangePlan } from '../domain/plan/types.js';
import type { AppliedStep, ApplyChangeInput, WrittenStep } from '../domain/runbooks/apply.js';
import type { ConfigBackup } from '../domain/runbooks/backup.js';
import type { ClusterFacts } from '../domain/runbooks/service-facts.js';
import type { WaitLimits } from '../domain/runbooks/types.js';
import type { FactsScope } from '../kube/cluster-facts.js';
import type { MetallbWorkloads } from '../kube/metallb-workloads.js';
import type { RunbookSteps } from './progress-tracker.js';

/** One apply as it runs, once planned, backed up and (if asked) approved. */
export interface ApplyRun {
  steps: RunbookSteps;
  input: ApplyChangeInput;
  limits: WaitLimits;
  startedAt: string;
  metallb: MetallbWorkloads;
  scope: FactsScope;
  plan: ChangePlan;
  /** Diagnosis findings before the change: only new ones fail a step. */
  baseline: string[];
  before: ClusterFacts;
  backup: ConfigBackup;
  /** This run's pin marker ("<workflowId>/<runId>"). */
  marker: string;
  /** The request annotation(s) the running MetalLB reads. */
  pinAnnotations: string[];
  approvedBy: string | null;
  /** Every write that went through (or may have: updates and deletes are recorded before), for the rollback. */
  written: WrittenStep[];
  /** What each step did, for the result. */
  applied: AppliedStep[];
}
