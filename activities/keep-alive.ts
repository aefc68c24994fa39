// An activity of a few API calls does not heartbeat by itself, so a worker lost while it ran was
// noticed only at its start-to-close timeout (a minute). Heartbeating while it runs lets the
// workflows' heartbeat timeout notice a lost worker in seconds, and never cuts short a slow call
// on a live worker.
import { Context } from '@temporalio/activity';

/** How often a running activity tells Temporal its worker is alive. */
export const keepAliveIntervalMs = 2_000;

/** The activity, heartbeating every {@link keepAliveIntervalMs} while it runs. */
export function keptAlive<Args extends unknown[], Result>(
  activity: (...args: Args) => Promise<Result>,
): (...args: Args) => Promise<Result> {
  return async (...args) => {
    const context = Context.current();
    const timer = setInterval(() => context.heartbeat(), keepAliveIntervalMs);
    try {
      return await activity(...args);
    } finally {
      clearInterval(timer);
    }
  };
}

type AnyActivity = (...args: never[]) => Promise<unknown>;

/** Every activity of the set kept alive while it runs. */
export function keepAllAlive<Activities extends Record<string, AnyActivity>>(activities: Activities): Activities {
  return Object.fromEntries(
    Object.entries(activities).map(([name, activity]) => [name, keptAlive(activity)]),
  ) as Activities;
}
