// How workflows keep their audit record: the append is idempotent, so it is retried until it lands
// (a record is never dropped), with a bound so a broken audit directory fails the run visibly.
import { proxyActivities } from '@temporalio/workflow';
import type { RunbookActivities } from '../activities/index.js';

/** The audit append: retried for up to 30 minutes (an operator can fix the directory meanwhile). */
export const auditActivities = proxyActivities<RunbookActivities>({
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '30m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** The Services' state after a failed run, for the record: a few tries, then the record says it is unknown. */
export const afterStateActivities = proxyActivities<RunbookActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 4 },
});
