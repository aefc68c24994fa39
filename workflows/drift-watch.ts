// One scheduled drift check of one cluster: diagnose, compare with the previous run, alert, maybe auto-fix.
// The schedule (client/commands/watch-run.ts) starts it every interval and hands it the previous run's result.
import { patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { WatchActivities } from '../activities/watch.js';
import { driftAlerts } from '../domain/watch/alerts.js';
import { forNewConfiguration, keptAttempts, nextAutoFix, settleAttempts } from '../domain/watch/auto-fix.js';
import { suspensionFindings } from '../domain/watch/auto-fix.js';
import { compareFindings } from '../domain/watch/findings.js';
import { carriedState } from '../domain/watch/state.js';
import type { DriftAlerts, DriftState, DriftWatchInput, WatchedFinding } from '../domain/watch/types.js';

const retry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3 };
/** Reading the cluster and the Temporal calls: a few retries, then this run reports what it could not do. */
const watch = proxyActivities<WatchActivities>({ startToCloseTimeout: '2m', retry });
/** Posting alerts: short, retried; a sink that stays down is counted and the run goes on. */
const delivery = proxyActivities<WatchActivities>({ startToCloseTimeout: '15s', retry });

/** An activity's failure arrives wrapped (ActivityFailure); its cause says what went wrong. */
const messageOf = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? error.cause.message : error.message;
};

/** Reads how the previous run's running attempts ended; if Temporal cannot say now, the next run asks again. */
async function followAttempts(state: DriftState): Promise<DriftState> {
  const running = state.attempts.filter((attempt) => attempt.outcome === 'running');
  try {
    return settleAttempts(state, await Promise.all(running.map((attempt) => watch.readAutoFixOutcome(attempt))));
  } catch {
    return state;
  }
}

/**
 * Starts the runbook of at most one finding not tried yet; a cluster busy with another change, or a start that
 * failed, is tried next run (the run still hands its findings on, so nothing is alerted twice).
 */
async function autoFix(state: DriftState, input: DriftWatchInput): Promise<DriftState> {
  const finding = nextAutoFix(state.open, state, input.autoFix);
  if (!finding) return state;
  const started = await watch
    .startAutoFix({
      cluster: input.cluster,
      runbook: finding.runbook,
      findingKey: finding.key,
      service: finding.service,
      requestedBy: `watch (${input.requestedBy})`,
      ...(input.autoFixLimits ? { limits: input.autoFixLimits } : {}),
    })
    .catch(() => ({ attempt: null }));
  return started.attempt ? { ...state, attempts: [...state.attempts, started.attempt] } : state;
}

/**
 * Config changes made outside this tool that moved or dropped a Service IP (the worker's config watch records
 * them). Runs recorded before this existed replay without it. If the audit log or the Events cannot be read now,
 * the ones already open stay open (no false resolution).
 */
async function outsideChanges(input: DriftWatchInput, open: readonly WatchedFinding[]): Promise<WatchedFinding[]> {
  if (!patched('outside-change-alerts')) return [];
  try {
    return await watch.outsideChangeFindings({ cluster: input.cluster });
  } catch {
    return open.filter((finding) => finding.check === 'outside-change');
  }
}

/** Every sink configured; each one's failure is its own (counted by the worker), the others still get theirs. */
async function deliver(alerts: DriftAlerts, input: DriftWatchInput): Promise<string[]> {
  const changed = [...alerts.opened, ...alerts.resolved];
  const cluster = input.cluster;
  const posts: Promise<unknown>[] = input.sinks.alertmanager.map((url) =>
    delivery.postToAlertmanager({ cluster, url, alerts: [...alerts.firing, ...alerts.resolved] }),
  );
  if (changed.length && input.sinks.webhook)
    posts.push(delivery.postToWebhook({ cluster, target: input.sinks.webhook, alerts: changed }));
  if (changed.length && input.sinks.slack)
    posts.push(delivery.postToSlack({ cluster, target: input.sinks.slack, alerts: changed }));
  const settled = await Promise.allSettled(posts);
  return settled.flatMap((outcome) => (outcome.status === 'rejected' ? [messageOf(outcome.reason)] : []));
}

/** Diagnoses, alerts on what opened and resolved since the previous run, and returns the state for the next one. */
export async function driftWatch(input: DriftWatchInput): Promise<DriftState & { deliveryErrors: string[] }> {
  const previous = forNewConfiguration(carriedState(workflowInfo().lastResult, input.configuredAt), input.configuredAt);
  const followed = await followAttempts(previous);
  let diagnosis;
  try {
    diagnosis = await watch.diagnoseForWatch({ cluster: input.cluster, intervalSeconds: input.intervalSeconds });
  } catch (error) {
    // Nothing is known about the cluster now: keep the open findings (no false resolution), say why.
    return { ...followed, diagnosisError: messageOf(error), deliveryErrors: [] };
  }
  const now = new Date();
  const outside = await outsideChanges(input, followed.open);
  const current = [...diagnosis.findings, ...outside, ...suspensionFindings(followed, input, now.toISOString())];
  const changes = compareFindings(followed.open, current);
  const attempts = keptAttempts(followed.attempts, changes.open);
  const settled: DriftState = {
    ...followed,
    open: changes.open,
    attempts,
    diagnosedAt: diagnosis.diagnosedAt,
    diagnosisError: null,
  };
  const deliveryErrors = await deliver(driftAlerts(changes, input, now), input);
  return { ...(await autoFix(settled, input)), deliveryErrors };
}
