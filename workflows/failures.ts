// Workflow-side failures: a type from the one failure table (domain/failures.ts), never retried.
import { ApplicationFailure } from '@temporalio/workflow';
import type { FailureType } from '../domain/failures.js';

/** A failure retrying cannot fix, with a type from the table; `cause` keeps the failure that led to it. */
export function nonRetryableFailure(type: FailureType, message: string, cause?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ message, type, nonRetryable: true, ...(cause instanceof Error ? { cause } : {}) });
}
