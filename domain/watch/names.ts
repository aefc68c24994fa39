// Names of a cluster's watch. Pure: the CLI, the worker and the tests agree on them.

/** The Temporal Schedule that watches a cluster. */
export const watchScheduleId = (cluster: string): string => `metallb-watch.${cluster}`;

/** The workflow id prefix of its runs (the schedule appends the scheduled time). */
export const driftWorkflowId = (cluster: string): string => `metallb-drift.${cluster}`;

/** The exported workflow function the schedule starts. */
export const driftWorkflowType = 'driftWatch';

/** Missed runs within this window are made up after an outage; with overlap SKIP only one of them runs. */
export const catchupWindowSeconds = (intervalSeconds: number): number => Math.max(60, 2 * intervalSeconds);

/** A drift run that takes longer than this is ended, so a stuck run cannot skip every later one. */
export const driftRunTimeoutSeconds = (intervalSeconds: number): number => Math.max(600, 2 * intervalSeconds);
