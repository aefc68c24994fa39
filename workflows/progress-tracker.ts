// Runs a workflow's steps while keeping the progress its query returns. Times are workflow time.
import { ActivityFailure, ApplicationFailure, setHandler } from '@temporalio/workflow';
import {
  failStep,
  finishStep,
  plannedProgress,
  skipStep,
  startStep,
  withPhase,
  type PlannedStep,
  type RunbookPhase,
  type RunbookProgress,
} from '../domain/runbooks/progress.js';
import type { RunbookName } from '../domain/runbooks/names.js';
import { progressQuery } from './messages.js';

const now = (): string => new Date().toISOString();

/** The one-line reason of a failure, unwrapping the activity failure around it. */
export function reasonOf(error: unknown): string {
  const inner = error instanceof ActivityFailure && error.cause ? error.cause : error;
  return inner instanceof Error ? inner.message : String(inner);
}

function typeOf(error: unknown): string {
  const inner = error instanceof ActivityFailure && error.cause ? error.cause : error;
  return inner instanceof ApplicationFailure && inner.type ? inner.type : 'RunbookStepFailed';
}

export interface Tracker {
  step<T>(
    step: PlannedStep,
    waitingFor: string | null,
    run: () => Promise<T>,
    detail?: (value: T) => string,
  ): Promise<T>;
  skip(step: PlannedStep, reason: string): void;
  phase(phase: RunbookPhase): void;
  progress(): RunbookProgress;
}

export function trackProgress(runbook: RunbookName, cluster: string, steps: readonly PlannedStep[]): Tracker {
  let progress = plannedProgress(runbook, cluster, steps);
  setHandler(progressQuery, () => progress);
  return {
    async step(step, waitingFor, run, detail) {
      progress = startStep(progress, step, now(), waitingFor);
      try {
        const value = await run();
        progress = finishStep(progress, step.id, now(), detail ? detail(value) : null);
        return value;
      } catch (error) {
        progress = failStep(progress, step.id, now(), reasonOf(error));
        // A plain Error would fail only the workflow task and retry forever; this fails the run.
        throw ApplicationFailure.create({
          message: `${step.title}: ${reasonOf(error)}`,
          type: typeOf(error),
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
    progress: () => progress,
  };
}

/** An ISO deadline `seconds` from now in workflow time, fixed before the wait starts. */
export function deadlineIn(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString();
}
