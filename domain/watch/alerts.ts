// The alerts a drift run sends, and each sink's body. Pure: the workflow builds them, activities post them.
import type { FindingChanges } from './findings.js';
import type { DriftAlert, DriftAlerts, DriftWatchInput, WatchedFinding } from './types.js';

/** A firing alert that no run re-sends ends after this many intervals (Prometheus uses 4 evaluation intervals). */
export const firingIntervals = 3;

function alertFor(finding: WatchedFinding, cluster: string, timing: Pick<DriftAlert, 'status' | 'endsAt'>): DriftAlert {
  return {
    status: timing.status,
    labels: {
      alertname: finding.check === 'auto-fix' ? 'MetalLBAutoFixFailed' : 'MetalLBDrift',
      cluster,
      check: finding.check,
      severity: finding.severity,
      object: finding.object,
      finding: finding.id,
    },
    annotations: {
      summary: finding.title,
      runbook: finding.command ?? 'no runbook: see `metallb-runbooks diagnose`',
    },
    startsAt: finding.since,
    endsAt: timing.endsAt,
  };
}

/** Every open finding firing (until `now` + 3 intervals), and what opened and resolved since the last run. */
export function driftAlerts(
  changes: FindingChanges,
  input: Pick<DriftWatchInput, 'cluster' | 'intervalSeconds'>,
  now: Date,
): DriftAlerts {
  const until = new Date(now.getTime() + firingIntervals * input.intervalSeconds * 1000).toISOString();
  const firing = changes.open.map((finding) => alertFor(finding, input.cluster, { status: 'firing', endsAt: until }));
  const openedKeys = new Set(changes.opened.map((finding) => finding.key));
  return {
    firing,
    opened: firing.filter((_alert, index) => openedKeys.has(changes.open[index]!.key)),
    resolved: changes.resolved.map((finding) =>
      alertFor(finding, input.cluster, { status: 'resolved', endsAt: now.toISOString() }),
    ),
  };
}

/** Alertmanager's POST /api/v2/alerts body (postableAlerts). */
export function alertmanagerBody(alerts: readonly DriftAlert[]): object[] {
  return alerts.map(({ labels, annotations, startsAt, endsAt }) => ({ labels, annotations, startsAt, endsAt }));
}

/** The generic webhook's body: versioned, what changed this run. */
export function webhookBody(cluster: string, alerts: readonly DriftAlert[], sentAt: string): object {
  return { version: 1, source: 'metallb-runbooks watch', cluster, sentAt, alerts };
}

/** A Slack-compatible incoming webhook's body: one line per alert. */
export function slackBody(cluster: string, alerts: readonly DriftAlert[]): { text: string } {
  const lines = alerts.map((alert) => {
    const mark = alert.status === 'firing' ? ':rotating_light: FIRING' : ':white_check_mark: RESOLVED';
    const fix = alert.status === 'firing' ? ` (fix: \`${alert.annotations['runbook']}\`)` : '';
    return `${mark} [${alert.labels['severity']}] ${alert.annotations['summary']}${fix}`;
  });
  return { text: [`MetalLB drift on ${cluster}:`, ...lines].join('\n') };
}
