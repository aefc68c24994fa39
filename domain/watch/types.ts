// What a drift watch is configured with and carries from one scheduled run to the next. Pure: workflow code
// imports it.
import type { WaitLimits } from '../runbooks/types.js';

/** The runbooks `watch --auto-fix` may start on its own. */
export const AUTO_FIX_RUNBOOKS = ['cleanup-orphans', 'restart-speakers'] as const;
/** One of AUTO_FIX_RUNBOOKS. */
export type AutoFixRunbook = (typeof AUTO_FIX_RUNBOOKS)[number];

/**
 * Where alerts go. Targets are stored in the schedule, and so in every run's history: a URL, or a reference
 * the worker resolves when it delivers (`env:NAME`, `file:/path`), so a credential in the URL stays out.
 */
export interface WatchSinks {
  /** Alertmanager base URLs (v2 API under /api/v2). */
  alertmanager: string[];
  /** A generic JSON webhook: URL or reference. */
  webhook: string | null;
  /** A Slack-compatible incoming webhook: always a reference (its URL is the credential). */
  slack: string | null;
}

/** The input of every scheduled drift run, as `watch` stores it in the schedule's action. */
export interface DriftWatchInput {
  cluster: string;
  intervalSeconds: number;
  sinks: WatchSinks;
  autoFix: AutoFixRunbook[];
  /** Who set the watch up; auto-fix runs are requested as `watch (<requestedBy>)`. */
  requestedBy: string;
  /** When `watch` last (re)configured it: a new configuration lifts auto-fix suspensions. */
  configuredAt: string;
  /** Deadlines of the runbooks auto-fix starts (tests shorten them). */
  autoFixLimits?: Partial<WaitLimits>;
}

/** One diagnosis finding as the watch tracks it. */
export interface WatchedFinding {
  /** Stable identity across runs: rule id and the objects it names (titles may change). */
  key: string;
  id: string;
  check: string;
  severity: 'error' | 'warning' | 'info';
  title: string;
  /** The first object the finding names, "Kind namespace/name" (or "cluster"). */
  object: string;
  /** The exact command to fix it, when there is one. */
  command: string | null;
  /** The runbook that command runs ("manual" when a person must decide). */
  runbook: string | null;
  /** "namespace/name" of the Service it is about, when it is about one. */
  service: string | null;
  /** When a run first saw it. */
  since: string;
}

/** How an auto-fix attempt ended (running until its run closes). */
export type AutoFixOutcome = 'running' | 'succeeded' | 'failed';

/** One auto-fix attempt: at most one per finding while the finding stays open. */
export interface AutoFixAttempt {
  findingKey: string;
  runbook: AutoFixRunbook;
  workflowId: string;
  runId: string;
  startedAt: string;
  outcome: AutoFixOutcome;
  /** Why it failed, one line. */
  failure?: string;
}

/** What a drift run returns; the schedule hands it to the next run (its last completion result). */
export interface DriftState {
  /** Open findings at warning or error, after this run. */
  open: WatchedFinding[];
  attempts: AutoFixAttempt[];
  /** Runbooks auto-fix stopped using on this cluster after a failed attempt, until `watch` reconfigures it. */
  suspended: AutoFixRunbook[];
  configuredAt: string;
  /** When the last diagnosis succeeded (null before the first). */
  diagnosedAt: string | null;
  /** Why this run could not diagnose, if it could not (the findings are the previous run's). */
  diagnosisError: string | null;
}

/** An alert as every sink receives it. */
export interface DriftAlert {
  status: 'firing' | 'resolved';
  /** Alertmanager identity: alertname, cluster, check, severity, object, finding. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  /** Firing: when Alertmanager may resolve it on its own if no run re-sends it; resolved: when it went away. */
  endsAt: string;
}

/** What a run sends: every open alert (Alertmanager wants them re-sent) and what changed since the last run. */
export interface DriftAlerts {
  /** Every firing alert, re-sent each run. */
  firing: DriftAlert[];
  /** Alerts that fired for the first time this run. */
  opened: DriftAlert[];
  /** Alerts that went away this run. */
  resolved: DriftAlert[];
}
