// Auto-remediation decisions: which finding gets its runbook started, at most once, and when auto-fix stops.
// Pure: the drift workflow calls it.
import { AUTO_FIX_RUNBOOKS, type AutoFixAttempt, type AutoFixRunbook, type DriftWatchInput } from './types.js';
import type { DriftState, WatchedFinding } from './types.js';

const isAutoFixRunbook = (name: string | null): name is AutoFixRunbook =>
  (AUTO_FIX_RUNBOOKS as readonly (string | null)[]).includes(name);

/** The rule id of the finding a failed auto-fix raises, one per runbook. */
export const autoFixFailedId = 'auto-fix-failed';

/** Attempts with their outcomes as read now; a failed one suspends its runbook on this cluster. */
export function settleAttempts(state: DriftState, outcomes: readonly AutoFixAttempt[]): DriftState {
  const byRun = new Map(outcomes.map((attempt) => [attempt.runId, attempt]));
  const attempts = state.attempts.map((attempt) => byRun.get(attempt.runId) ?? attempt);
  const failed = attempts.filter((attempt) => attempt.outcome === 'failed').map((attempt) => attempt.runbook);
  return { ...state, attempts, suspended: [...new Set([...state.suspended, ...failed])].sort() };
}

/** Attempts worth keeping: running ones, and those whose finding is still open (so it is not tried again). */
export function keptAttempts(attempts: readonly AutoFixAttempt[], open: readonly WatchedFinding[]): AutoFixAttempt[] {
  const openKeys = new Set(open.map((finding) => finding.key));
  return attempts.filter((attempt) => attempt.outcome === 'running' || openKeys.has(attempt.findingKey));
}

/**
 * The finding whose runbook to start now, if any: its runbook is enabled and not suspended, it was never tried,
 * and no attempt is still running (one change per cluster; the next run picks the next finding).
 */
export function nextAutoFix(
  open: readonly WatchedFinding[],
  state: Pick<DriftState, 'attempts' | 'suspended'>,
  enabled: readonly AutoFixRunbook[],
): (WatchedFinding & { runbook: AutoFixRunbook }) | null {
  if (state.attempts.some((attempt) => attempt.outcome === 'running')) return null;
  const tried = new Set(state.attempts.map((attempt) => attempt.findingKey));
  const candidate = open.find(
    (finding) =>
      isAutoFixRunbook(finding.runbook) &&
      enabled.includes(finding.runbook) &&
      !state.suspended.includes(finding.runbook) &&
      !tried.has(finding.key),
  );
  return candidate ? (candidate as WatchedFinding & { runbook: AutoFixRunbook }) : null;
}

/** One open finding per suspended runbook, so a failed auto-fix alerts (and resolves when `watch` is re-run). */
export function suspensionFindings(
  state: Pick<DriftState, 'attempts' | 'suspended'>,
  input: Pick<DriftWatchInput, 'cluster'>,
  now: string,
): WatchedFinding[] {
  return state.suspended.map((runbook) => {
    const failed = state.attempts.filter((attempt) => attempt.runbook === runbook && attempt.outcome === 'failed');
    const last = failed.at(-1);
    return {
      key: `${autoFixFailedId}|${runbook}`,
      id: autoFixFailedId,
      check: 'auto-fix',
      severity: 'error',
      title: `auto-fix ${runbook} failed on ${input.cluster}${
        last ? ` (${last.workflowId} run ${last.runId}: ` + `${last.failure ?? 'failed'})` : ''
      }; auto-fix of ${runbook} is stopped until \`watch\` is run again`,
      object: `runbook ${runbook}`,
      command: `metallb-runbooks fix ${runbook} --context ${input.cluster}`,
      runbook,
      service: null,
      since: last?.startedAt ?? now,
    };
  });
}

/** A new configuration (`watch` run again) lifts suspensions and forgets attempts made under the old one. */
export function forNewConfiguration(state: DriftState, configuredAt: string): DriftState {
  if (state.configuredAt === configuredAt) return state;
  return {
    ...state,
    configuredAt,
    suspended: [],
    attempts: state.attempts.filter((attempt) => attempt.outcome === 'running'),
  };
}
