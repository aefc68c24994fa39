// What the worker's process is told while it watches (Prometheus metrics implement it). Pure interface.

/** Where an alert was posted. */
export type AlertSinkKind = 'alertmanager' | 'webhook' | 'slack';

/** Told by the watch activities, in the worker's process. */
export interface WatchObserver {
  /** A diagnosis succeeded: its findings at warning and above, by check and severity. */
  diagnosed(event: { cluster: string; intervalSeconds: number; findings: { check: string; severity: string }[] }): void;
  /** A diagnosis attempt failed (the activity may retry). */
  diagnosisFailed(event: { cluster: string; intervalSeconds: number }): void;
  /** One delivery attempt of a batch of alerts to one sink. */
  alertsPosted(event: { cluster: string; sink: AlertSinkKind; alerts: number; ok: boolean }): void;
}

/** Observes nothing: the default when the worker serves no metrics. */
export const ignoreWatch: WatchObserver = {
  diagnosed: () => undefined,
  diagnosisFailed: () => undefined,
  alertsPosted: () => undefined,
};
