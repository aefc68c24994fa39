// Sinks: how workflow code tells the worker's process (metrics) that a step or a run ended, without
// I/O in the workflow. Calls are not repeated on replay.
import { proxySinks, type Sinks } from '@temporalio/workflow';
import type { ChangeOutcome } from '../domain/audit/outcome.js';

/** A step of a change run ended. */
export interface StepEnded {
  cluster: string;
  runbook: string;
  /** The step's id in its step table (numbered plan steps keep their table id). */
  step: string;
  status: 'done' | 'failed';
  seconds: number;
}

/** A change run ended. */
export interface RunEnded {
  cluster: string;
  runbook: string;
  outcome: ChangeOutcome;
  seconds: number;
}

/** The sinks the worker injects (worker/sinks.ts). */
export interface ChangeSinks extends Sinks {
  changes: {
    stepEnded(event: StepEnded): void;
    runEnded(event: RunEnded): void;
  };
}

/** Workflow side of the change sinks. */
export const { changes: changeSink } = proxySinks<ChangeSinks>();
