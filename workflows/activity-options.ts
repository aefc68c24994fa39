// How the workflows call activities: timeouts, heartbeats and retry policies in one place.
import { proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { RunbookActivities } from '../activities/index.js';
import { nonRetryableFailureTypes as nonRetryableErrorTypes } from '../domain/failures.js';
import { compensationActivitySeconds } from '../domain/runbooks/time-budget.js';

// 409 / 429 / 5xx / network errors are retried with exponential backoff.
const kubeRetry: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 10,
  nonRetryableErrorTypes,
};

/**
 * The activities as workflows call them: one or a few API calls each. Every activity heartbeats while
 * it runs (activities/keep-alive.ts), so a lost worker is noticed within seconds, not at the minute.
 */
export const clusterActivities = proxyActivities<RunbookActivities>({
  startToCloseTimeout: '1m',
  heartbeatTimeout: '10s',
  retry: kubeRetry,
});

/** Observed waits: they heartbeat every poll, so a lost worker is noticed within seconds. */
export const waitActivities = proxyActivities<RunbookActivities>({
  startToCloseTimeout: '20m',
  heartbeatTimeout: '10s',
  retry: kubeRetry,
});

/**
 * Compensation retries every error for up to 10 minutes: giving up would leave the cluster
 * without its configuration, and an operator can clear the obstacle while it retries.
 */
export const compensationActivities = proxyActivities<RunbookActivities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '10s',
  // The re-create's time budget (domain/runbooks/time-budget.ts) counts on this bound.
  scheduleToCloseTimeout: compensationActivitySeconds * 1000,
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
});
