// Every change run ends by keeping its audit record (whatever the outcome), tagging itself for
// search (outcome, objects changed) and telling the worker it ended (metrics). The record is kept
// by an idempotent activity, so a worker killed mid-run leaves a complete record once it resumes.
import { CancellationScope, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { failedOutcome, type ChangeOutcome } from '../domain/audit/outcome.js';
import type { GateDecision } from '../domain/audit/identity.js';
import {
  assembleRecord,
  namedOnly,
  type AuditRecord,
  type ObjectDiff,
  type RecordedPlan,
} from '../domain/audit/record.js';
import { changeSearchAttributeKeys } from '../domain/audit/search-attribute-keys.js';
import type { ChangeName } from '../domain/runbooks/names.js';
import { ipChanges } from '../domain/runbooks/results.js';
import type { ServiceFacts } from '../domain/runbooks/service-facts.js';
import type { RunbookInput, RunbookResult, ServiceIpChange } from '../domain/runbooks/types.js';
import type { FactsScope } from '../kube/cluster-facts.js';
import { afterStateActivities, auditActivities } from './audit-activities.js';
import { failureTypeOf, reasonOf, type RunbookSteps } from './progress-tracker.js';
import { changeSink } from './sinks.js';

/** What a run tells its record as it goes, for the case it fails before returning its result. */
export interface AuditTrail {
  /** The scope and every Service as read before the first write. */
  before(scope: FactsScope, services: readonly ServiceFacts[]): void;
  /** What the run has written so far (called again when the run fails). */
  written(diff: () => ObjectDiff[]): void;
  plan(plan: RecordedPlan): void;
  decision(decision: GateDecision): void;
}

/** A change run to audit. */
export interface AuditedChange {
  runbook: ChangeName;
  input: RunbookInput;
  steps: RunbookSteps;
  /** The run's options as given (no objects, no credentials). */
  flags: Record<string, unknown>;
}

interface TrailState {
  scope: FactsScope | null;
  before: readonly ServiceFacts[] | null;
  written: () => ObjectDiff[];
  plan: RecordedPlan | null;
  decisions: GateDecision[];
}

function openTrail(): { trail: AuditTrail; state: TrailState } {
  const state: TrailState = { scope: null, before: null, written: () => [], plan: null, decisions: [] };
  const trail: AuditTrail = {
    before(scope, services) {
      state.scope = scope;
      state.before = services;
    },
    written(diff) {
      state.written = diff;
    },
    plan(plan) {
      state.plan = plan;
    },
    decision(decision) {
      state.decisions.push(decision);
    },
  };
  return { trail, state };
}

interface Ending {
  outcome: ChangeOutcome;
  reason: string | null;
  services: ServiceIpChange[];
  servicesAfterUnknown: string | null;
  diff: ObjectDiff[];
}

/** After a failure: the Services as they are now, read once more (the run may have moved some). */
async function failedEnding(state: TrailState, error: unknown): Promise<Ending> {
  const outcome = failedOutcome(failureTypeOf(error));
  const base = { outcome, reason: reasonOf(error), diff: state.written() };
  if (state.scope === null || state.before === null)
    return { ...base, services: [], servicesAfterUnknown: 'the run failed before it read the Services' };
  try {
    const after = await afterStateActivities.readClusterFacts(state.scope);
    return { ...base, services: ipChanges(state.before, after.services), servicesAfterUnknown: null };
  } catch (readError) {
    const unknown = `the Services could not be read after the run: ${reasonOf(readError)}`;
    const services = ipChanges(state.before, state.before).map((change) => ({ ...change, after: [] }));
    return { ...base, services, servicesAfterUnknown: unknown };
  }
}

async function keep(change: AuditedChange, state: TrailState, ending: Ending, startedAt: string): Promise<void> {
  const { workflowId, runId } = workflowInfo();
  const record: AuditRecord = assembleRecord({
    runbook: change.runbook,
    cluster: change.input.cluster,
    workflowId,
    runId,
    requester: change.input.requester ?? namedOnly(change.input.requestedBy),
    decisions: state.decisions,
    flags: change.flags,
    files: change.input.sources ?? [],
    plan: state.plan,
    diff: ending.diff,
    steps: change.steps.progress().steps,
    services: ending.services,
    servicesAfterUnknown: ending.servicesAfterUnknown,
    startedAt,
    endedAt: new Date().toISOString(),
    outcome: ending.outcome,
    reason: ending.reason,
  });
  await auditActivities.keepAuditRecord(record);
  upsertSearchAttributes([
    { key: changeSearchAttributeKeys.outcome, value: ending.outcome },
    { key: changeSearchAttributeKeys.objects, value: record.objects },
  ]);
  const seconds = (Date.parse(record.endedAt) - Date.parse(startedAt)) / 1000;
  changeSink.runEnded({ cluster: change.input.cluster, runbook: change.runbook, outcome: ending.outcome, seconds });
}

/** Runs `body`, then keeps the run's audit record, succeeded or not; a failure is rethrown after. */
export async function audited<Result extends RunbookResult>(
  change: AuditedChange,
  body: (trail: AuditTrail) => Promise<Result>,
): Promise<Result> {
  const startedAt = new Date().toISOString();
  const { trail, state } = openTrail();
  // A runbook run as a step of apply (a child) is in apply's record: one record per change.
  if (workflowInfo().parent) return body(trail);
  let result: Result;
  try {
    result = await body(trail);
  } catch (error) {
    // A cancelled run is recorded too: the record's activities run outside the cancelled scope.
    await CancellationScope.nonCancellable(async () =>
      keep(change, state, await failedEnding(state, error), startedAt),
    );
    throw error;
  }
  const ending = { outcome: 'succeeded' as const, reason: null, servicesAfterUnknown: null };
  await keep(change, state, { ...ending, services: result.services, diff: result.diff ?? state.written() }, startedAt);
  return result;
}
