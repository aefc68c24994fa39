// Runs a workflow's steps while keeping the progress its query returns. Times are workflow time.
// Each step's title, wait and detail wording come from its entry in domain/runbooks/steps.ts.
import { ActivityFailure, ApplicationFailure, isCancellation, setHandler } from '@temporalio/workflow';
import {
  failStep,
  finishStep,
  plannedProgress,
  skipStep,
  startStep,
  withPhase,
  withPlannedSteps,
  type PlannedStep,
  type RunbookPhase,
  type RunbookProgress,
} from '../domain/runbooks/progress.js';
import type { ChangeName } from '../domain/runbooks/names.js';
import type { RunbookStep } from '../domain/runbooks/steps.js';
import { progressQuery } from './messages.js';
import { changeSink } from './sinks.js';

const now = (): string => new Date().toISOString();

/** The one-line reason of a failure, unwrapping the activity failure around it. */
export function reasonOf(error: unknown): string {
  const inner = error instanceof ActivityFailure && error.cause ? error.cause : error;
  return inner instanceof Error ? inner.message : String(inner);
}

/** The failure's type (the ApplicationFailure's, unwrapping an activity failure); RunbookStepFailed if it has none. */
export function failureTypeOf(error: unknown): string {
  const inner = error instanceof ActivityFailure && error.cause ? error.cause : error;
  return inner instanceof ApplicationFailure && inner.type ? inner.type : 'RunbookStepFailed';
}

/** Runs one step of a compensation or rollback: a failure is kept as a line for the report, and the caller goes on. */
export async function attemptStep<Value>(
  steps: RunbookSteps,
  stillWrong: string[],
  step: RunbookStep<Value>,
  action: () => Promise<Value>,
): Promise<void> {
  try {
    await steps.run(step, action);
  } catch (error) {
    stillWrong.push(reasonOf(error));
  }
}

/** A runbook's steps as they run: each step's outcome goes into the progress query. */
export interface RunbookSteps {
  /** Runs one step; a failure fails the step and is rethrown as a non-retryable failure naming it. */
  run<Value>(step: RunbookStep<Value>, action: () => Promise<Value>): Promise<Value>;
  skip(step: PlannedStep, reason: string): void;
  phase(phase: RunbookPhase): void;
  /** Adds steps known only once the run has planned them, pending, after the known ones. */
  plan(steps: readonly PlannedStep[]): void;
  /** The progress so far (the audit record's step timeline). */
  progress(): RunbookProgress;
}

/** Starts the progress of a run (every planned step pending) and answers the progress query with it. */
export function trackSteps(runbook: ChangeName, cluster: string, planned: readonly PlannedStep[]): RunbookSteps {
  let progress = plannedProgress(runbook, cluster, planned);
  setHandler(progressQuery, (): RunbookProgress => progress);
  return {
    async run(step, action) {
      progress = startStep(progress, step, now(), step.waitsFor);
      const started = Date.now();
      const ended = (status: 'done' | 'failed') =>
        changeSink.stepEnded({ cluster, runbook, step: step.id, status, seconds: (Date.now() - started) / 1000 });
      try {
        const value = await action();
        progress = finishStep(progress, step.id, now(), step.detail ? step.detail(value) : null);
        ended('done');
        return value;
      } catch (error) {
        progress = failStep(progress, step.id, now(), reasonOf(error));
        ended('failed');
        // A cancelled run stays a cancellation, so the workflow ends cancelled, not failed.
        if (isCancellation(error)) throw error;
        // A plain Error would fail only the workflow task and retry forever; this fails the run.
        throw ApplicationFailure.create({
          message: `${step.title}: ${reasonOf(error)}`,
          type: failureTypeOf(error),
          nonRetryable: true,
          cause: error as Error,
        });
      }
    },
    skip(step, reason) {
      progress = skipStep(progress, step.id, reason);
    },
    phase(phase) {
      progress = withPhase(progress, phase);
    },
    plan(steps) {
      progress = withPlannedSteps(progress, steps);
    },
    progress: () => progress,
  };
}

/** An ISO deadline `seconds` from now in workflow time, fixed before the wait starts. */
export function deadlineIn(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString();
}
