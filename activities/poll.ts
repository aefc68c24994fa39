// Every wait in the runbooks: poll a condition on the cluster, heartbeat what was seen, stop at a
// deadline the workflow fixed (so a retried attempt keeps the original deadline).
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { runbookFailure } from '../kube/call.js';

/** One look at the cluster: the awaited value, or what was seen instead. */
export type Observation<T> = { done: true; value: T } | { done: false; seen: string };

/** What a wait waits for and until when. */
export interface PollOptions {
  /** What is awaited, in the operator's words ("the controller rollout to complete"). */
  what: string;
  /** ISO time after which the wait fails. */
  deadline: string;
  intervalMs?: number;
}

/** Retryable API errors (a restarting API server) count as "not yet"; anything else ends the wait. */
async function observe<T>(check: () => Promise<Observation<T>>): Promise<Observation<T>> {
  try {
    return await check();
  } catch (error) {
    if (!(error instanceof ApplicationFailure) || error.nonRetryable) throw error;
    return { done: false, seen: `API error: ${error.message}` };
  }
}

/** Polls `check` until it reports done; fails with DeadlineExceeded, naming what it saw last. */
export async function pollUntil<T>(options: PollOptions, check: () => Promise<Observation<T>>): Promise<T> {
  const deadline = Date.parse(options.deadline);
  for (;;) {
    const observation = await observe(check);
    if (observation.done) return observation.value;
    const seen = observation.seen;
    Context.current().heartbeat({ waitingFor: options.what, seen });
    if (Date.now() >= deadline) {
      throw runbookFailure(
        'DeadlineExceeded',
        `timed out at ${options.deadline} waiting for ${options.what}; last seen: ${seen}`,
      );
    }
    // Context.sleep ends early (CancelledFailure) when the workflow cancels this wait.
    await Context.current().sleep(options.intervalMs ?? 500);
  }
}
