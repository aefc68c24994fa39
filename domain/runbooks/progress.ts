// The progress a runbook reports through its query: planned steps, each with status and times,
// the current step and what it waits for. Pure: callers pass the time in (workflow time).
import type { RunbookName } from './names.js';

export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';
export type RunbookPhase = 'running' | 'compensating' | 'completed' | 'failed';

export interface StepProgress {
  id: string;
  title: string;
  status: StepStatus;
  startedAt: string | null;
  endedAt: string | null;
  /** While running: the condition being waited for, in the operator's words. */
  waitingFor: string | null;
  /** When ended: what happened, one line. */
  detail: string | null;
}

export interface RunbookProgress {
  runbook: RunbookName;
  cluster: string;
  phase: RunbookPhase;
  steps: StepProgress[];
  /** Id of the running step, if any. */
  current: string | null;
}

export interface PlannedStep {
  id: string;
  title: string;
}

export function plannedProgress(runbook: RunbookName, cluster: string, steps: readonly PlannedStep[]): RunbookProgress {
  return {
    runbook,
    cluster,
    phase: 'running',
    current: null,
    steps: steps.map(({ id, title }) => ({
      id,
      title,
      status: 'pending',
      startedAt: null,
      endedAt: null,
      waitingFor: null,
      detail: null,
    })),
  };
}

function update(progress: RunbookProgress, id: string, change: (step: StepProgress) => StepProgress): RunbookProgress {
  const known = progress.steps.some((s) => s.id === id);
  // Steps not planned up front (compensation) are appended when they start.
  const steps = known
    ? progress.steps
    : [
        ...progress.steps,
        { id, title: id, status: 'pending' as const, startedAt: null, endedAt: null, waitingFor: null, detail: null },
      ];
  return { ...progress, steps: steps.map((s) => (s.id === id ? change(s) : s)) };
}

export function startStep(
  progress: RunbookProgress,
  step: PlannedStep,
  at: string,
  waitingFor: string | null,
): RunbookProgress {
  const next = update(progress, step.id, (s) => ({
    ...s,
    title: step.title,
    status: 'running',
    startedAt: at,
    endedAt: null,
    waitingFor,
    detail: null,
  }));
  return { ...next, current: step.id };
}

export function finishStep(progress: RunbookProgress, id: string, at: string, detail: string | null): RunbookProgress {
  const next = update(progress, id, (s) => ({ ...s, status: 'done', endedAt: at, waitingFor: null, detail }));
  return { ...next, current: next.current === id ? null : next.current };
}

export function failStep(progress: RunbookProgress, id: string, at: string, message: string): RunbookProgress {
  const next = update(progress, id, (s) => ({
    ...s,
    status: 'failed',
    endedAt: at,
    waitingFor: null,
    detail: message,
  }));
  return { ...next, current: next.current === id ? null : next.current };
}

export function skipStep(progress: RunbookProgress, id: string, reason: string): RunbookProgress {
  return update(progress, id, (s) => ({ ...s, status: 'skipped', detail: reason }));
}

export function withPhase(progress: RunbookProgress, phase: RunbookPhase): RunbookProgress {
  return { ...progress, phase };
}

/** Milliseconds a step took (or has taken so far, given now). */
export function stepElapsedMs(step: StepProgress, now: string): number | null {
  if (step.startedAt === null) return null;
  return Date.parse(step.endedAt ?? now) - Date.parse(step.startedAt);
}
