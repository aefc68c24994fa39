// apply's approval gate: the plan is readable from the run (`plan` query), `approve` / `reject`
// are updates whose validator refuses (nothing recorded) a decision the gate cannot take, e.g. an
// approval by the requester. A timeout rejects. Handlers are set when the run starts.
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { actorName, type Actor } from '../domain/audit/identity.js';
import { namedOnly } from '../domain/audit/record.js';
import type { AuditTrail } from './audited.js';
import type { ChangePlan } from '../domain/plan/types.js';
import {
  decisionRefusal,
  deciderRefusal,
  type ApplyChangeInput,
  type ApprovalRequest,
  type ApprovalState,
  type RejectRequest,
} from '../domain/runbooks/apply.js';
import { applySteps } from '../domain/runbooks/steps.js';
import { nonRetryableFailure } from './failures.js';
import { approveUpdate, planQuery, rejectUpdate } from './messages.js';
import { deadlineIn, type RunbookSteps } from './progress-tracker.js';

/** The gate of one run. */
export interface ApprovalGate {
  /** The plan the run will apply, for the `plan` query. */
  planned(plan: ChangePlan): void;
  /** Waits for the decision; returns the approver, or fails the step (rejected, timed out). */
  await(): Promise<string>;
}

/** Sets the query and update handlers; call before the run's first await. */
export function openApprovalGate(input: ApplyChangeInput, steps: RunbookSteps, trail: AuditTrail): ApprovalGate {
  let plan: ChangePlan | null = null;
  let state: ApprovalState = {
    status: input.approval ? 'planning' : 'not-required',
    requestedBy: input.requestedBy,
    deadline: null,
    decidedBy: null,
    reason: null,
  };
  setHandler(planQuery, () => ({ plan, approval: state }));
  const refuse = (refusal: string | null) => {
    if (refusal !== null) throw new Error(refusal);
  };
  const requester = input.requester ?? namedOnly(input.requestedBy);
  // Accepted into the history, so that a refused decision (a self-approval) is recorded too; then refused.
  const decide = (verb: 'approve' | 'reject', by: Actor, reason: string | null): string => {
    const refused = deciderRefusal(requester, by, verb);
    trail.decision({ verb, by, at: new Date().toISOString(), reason, refused });
    if (refused !== null)
      throw ApplicationFailure.create({ type: 'DecisionRefused', message: refused, nonRetryable: true });
    return actorName(by);
  };
  setHandler(
    approveUpdate,
    (request: ApprovalRequest) => {
      const by = decide('approve', request.identity ?? namedOnly(request.approver), null);
      state = { ...state, status: 'approved', decidedBy: by };
      return state;
    },
    { validator: (_request: ApprovalRequest) => refuse(decisionRefusal(state)) },
  );
  setHandler(
    rejectUpdate,
    (request: RejectRequest) => {
      const by = decide('reject', request.identity ?? namedOnly(request.rejecter), request.reason);
      state = { ...state, status: 'rejected', decidedBy: by, reason: request.reason };
      return state;
    },
    { validator: (_request: RejectRequest) => refuse(decisionRefusal(state)) },
  );
  const awaitDecision = async (): Promise<{ by: string }> => {
    const seconds = input.approval?.timeoutSeconds ?? 0;
    state = { ...state, status: 'waiting', deadline: deadlineIn(seconds) };
    const decided = await condition(() => state.status !== 'waiting', seconds * 1000);
    if (!decided) {
      state = { ...state, status: 'timed-out', reason: `no approval within ${seconds}s` };
      throw nonRetryableFailure(
        'ApprovalTimedOut',
        `nobody approved the change within ${seconds}s; nothing was written`,
      );
    }
    if (state.status === 'rejected')
      throw nonRetryableFailure(
        'ChangeRejected',
        `rejected by ${state.decidedBy ?? 'unknown'}${state.reason ? `: ${state.reason}` : ''}; nothing was written`,
      );
    return { by: state.decidedBy ?? 'unknown' };
  };
  return {
    planned(next) {
      plan = next;
    },
    async await() {
      steps.phase('awaiting-approval');
      const decision = await steps.run(applySteps.awaitApproval, awaitDecision);
      steps.phase('running');
      return decision.by;
    },
  };
}
