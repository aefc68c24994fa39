// How a change (a fix runbook or apply) ended, as the audit record, the search attributes and the
// metrics name it. Pure: workflow code imports it.

/** Every way a change run can end. */
export const changeOutcomes = ['succeeded', 'rolled-back', 'failed', 'refused', 'rejected', 'timed-out'] as const;

/** How one change run ended. */
export type ChangeOutcome = (typeof changeOutcomes)[number];
