// The worker side of workflows/sinks.ts: forwards step and run ends to an observer (metrics).
import type { InjectedSinks } from '@temporalio/worker';
import type { ChangeSinks, RunEnded, StepEnded } from '../workflows/sinks.js';

/** What the worker's process does when a change's step or run ends (e.g. count it in Prometheus metrics). */
export interface ChangeObserver {
  stepEnded(event: StepEnded): void;
  runEnded(event: RunEnded): void;
}

/** Observes nothing: the default when the worker serves no metrics. */
export const ignoreChanges: ChangeObserver = { stepEnded: () => undefined, runEnded: () => undefined };

/** The injected sinks for `observer`; never called during replay, so a replayed run is not counted twice. */
export function changeSinksFor(observer: ChangeObserver): InjectedSinks<ChangeSinks> {
  return {
    changes: {
      stepEnded: { fn: (_info, event) => observer.stepEnded(event), callDuringReplay: false },
      runEnded: { fn: (_info, event) => observer.runEnded(event), callDuringReplay: false },
    },
  };
}
