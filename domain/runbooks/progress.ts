// The progress a runbook reports through its query: planned steps, each with status and times,
// the current step and what it waits for. Pure: callers pass the time in (workflow time).
import type { ChangeName } from './names.js';

/** Where a step stands. */
export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';
/** Where the whole run stands. */
export type RunbookPhase = 'running' | 'awaiting-approval' | 'compensating' | 'completed' | 'failed';

/** One step as the progress query reports it. */
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

/** What the progress query returns. */
export interface RunbookProgress {
  runbook: ChangeName;
  cluster: string;
  phase: RunbookPhase;
  steps: StepProgress[];
  /** Id of the running step, if any. */
  current: string | null;
}

/** A step known before it runs: its id and title. */
export interface PlannedStep {
  id: string;
  title: string;
}

/** The progress of a run that has not started a step yet: every planned step pending. */
export function plannedProgress(runbook: ChangeName, cluster: string, steps: readonly PlannedStep[]): RunbookProgress {
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

/** The same progress with `steps` added as pending after the known ones (steps known only once planned). */
export function withPlannedSteps(progress: RunbookProgress, steps: readonly PlannedStep[]): RunbookProgress {
  const known = new Set(progress.steps.map((s) => s.id));
  const added = plannedProgress(progress.runbook, progress.cluster, steps).steps.filter((s) => !known.has(s.id));
  return { ...progress, steps: [...progress.steps, ...added] };
}

/** Marks a step running (appending it if it was not planned, e.g. compensation). */
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

/** Marks a step done with its one-line detail. */
export function finishStep(progress: RunbookProgress, id: string, at: string, detail: string | null): RunbookProgress {
  const next = update(progress, id, (s) => ({ ...s, status: 'done', endedAt: at, waitingFor: null, detail }));
  return { ...next, current: next.current === id ? null : next.current };
}

/** Marks a step failed with its reason. */
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

/** Marks a step skipped with the reason. */
export function skipStep(progress: RunbookProgress, id: string, reason: string): RunbookProgress {
  return update(progress, id, (s) => ({ ...s, status: 'skipped', detail: reason }));
}

/** The same progress in another phase. */
export function withPhase(progress: RunbookProgress, phase: RunbookPhase): RunbookProgress {
  return { ...progress, phase };
}

/** Milliseconds a step took (or has taken so far, given now). */
export function stepElapsedMs(step: StepProgress, now: string): number | null {
  if (step.startedAt === null) return null;
  return Date.parse(step.endedAt ?? now) - Date.parse(step.startedAt);
}
