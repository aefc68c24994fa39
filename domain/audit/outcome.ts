// How a change (a fix runbook or apply) ended, as the audit record, the search attributes and the
// metrics name it. Pure: workflow code imports it.

/** Every way a change run can end. */
export const changeOutcomes = ['succeeded', 'rolled-back', 'failed', 'refused', 'rejected', 'timed-out'] as const;

/** How one change run ended. */
export type ChangeOutcome = (typeof changeOutcomes)[number];

/** Failure types that mean the change was refused before any write. */
const refusedTypes = new Set(['PlanRefused', 'PlanDrifted', 'PinRefused', 'RestartRefused', 'ServiceNotOrphaned']);
/** Failure types after which the cluster was put back as it was. */
const rolledBackTypes = new Set(['ApplyRolledBack', 'RecreateFailedRestored']);

/** How a run that failed with `failureType` (an ApplicationFailure's type, or null) ended. */
export function failedOutcome(failureType: string | null): ChangeOutcome {
  if (failureType === null) return 'failed';
  if (refusedTypes.has(failureType)) return 'refused';
  if (rolledBackTypes.has(failureType)) return 'rolled-back';
  if (failureType === 'ChangeRejected') return 'rejected';
  if (failureType === 'ApprovalTimedOut') return 'timed-out';
  return 'failed';
}
