// A run has a hard execution timeout (the CLI's --timeout) so an orphaned request cannot hold the cluster
// forever. Temporal ends a timed-out run without compensation, so the destructive part of a re-create may
// only start when the time left covers it and its compensation at their worst.
import type { WaitLimits } from './types.js';

/** Worst case of one compensation activity: workflows/activity-options.ts uses it as its schedule-to-close timeout. */
export const compensationActivitySeconds = 600;

/**
 * Seconds the delete-and-re-create phase may need at worst: its two observed waits, then compensation
 * (restore, wait for the IPs, give back autoAssign, unpin), plus a minute of margin for the API calls.
 */
export function recreateWorstCaseSeconds(limits: WaitLimits): number {
  const change = limits.configProcessedSeconds + limits.serviceIpsSeconds;
  const compensation = 3 * compensationActivitySeconds + limits.serviceIpsSeconds;
  return change + compensation + 60;
}

/** Why the re-create must not start with `secondsLeft` of the run's timeout left, or null when it may. */
export function recreateTimeRefusal(secondsLeft: number | null, limits: WaitLimits): string | null {
  if (secondsLeft === null) return null;
  const needed = recreateWorstCaseSeconds(limits);
  if (secondsLeft >= needed) return null;
  return (
    `only ${Math.floor(secondsLeft)} s of this run's timeout left, and deleting and re-creating the ` +
    `configuration may need ${needed} s at worst (compensation included); nothing was changed: ` +
    `start it again with a longer --timeout (at least ${Math.ceil(needed / 60) + 5}m)`
  );
}
