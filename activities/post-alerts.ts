// Posting alerts to one sink. Targets may be references (`env:NAME`, `file:/path`) resolved here, in the worker,
// so a webhook URL that is a credential never reaches a history; errors name the reference, never the URL.
import { readFileSync } from 'node:fs';
import { ApplicationFailure } from '@temporalio/common';
import { alertmanagerBody, slackBody, webhookBody } from '../domain/watch/alerts.js';
import type { AlertSinkKind, WatchObserver } from '../domain/watch/observer.js';
import type { DriftAlert } from '../domain/watch/types.js';

/** One batch of alerts for one sink. */
export interface AlertPost {
  cluster: string;
  alerts: DriftAlert[];
}

const postTimeoutMs = 10_000;

/** The URL a target stands for: itself, or what the worker's environment or file holds. */
export function resolveTarget(target: string): string {
  if (target.startsWith('env:')) {
    const value = process.env[target.slice(4)]?.trim();
    if (!value) throw ApplicationFailure.nonRetryable(`${target} is not set in the worker's environment`, 'SinkTarget');
    return value;
  }
  if (target.startsWith('file:')) {
    try {
      return readFileSync(target.slice(5), 'utf8').trim();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw ApplicationFailure.nonRetryable(`the worker cannot read ${target} (${code})`, 'SinkTarget');
    }
  }
  return target;
}

/** POSTs JSON; a 4xx other than 429 is not retried (the body or the URL is wrong), anything else is. */
async function postJson(sink: { kind: AlertSinkKind; name: string; url: string }, body: unknown): Promise<void> {
  let response: Response;
  try {
    response = await fetch(sink.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(postTimeoutMs),
    });
  } catch (error) {
    const reason = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : String(error);
    throw ApplicationFailure.retryable(`${sink.kind} ${sink.name} unreachable: ${reason}`, 'SinkUnreachable');
  }
  const text = (await response.text()).slice(0, 200);
  if (response.ok) return;
  const message = `${sink.kind} ${sink.name} answered ${response.status}: ${text.replace(/\s+/g, ' ')}`;
  if (response.status >= 400 && response.status < 500 && response.status !== 429)
    throw ApplicationFailure.nonRetryable(message, 'SinkRefused');
  throw ApplicationFailure.retryable(message, 'SinkFailed');
}

/** Counts each attempt, good or bad, in the worker's metrics. */
async function counted(observer: WatchObserver, event: AlertPost & { sink: AlertSinkKind }, post: () => Promise<void>) {
  try {
    await post();
    observer.alertsPosted({ cluster: event.cluster, sink: event.sink, alerts: event.alerts.length, ok: true });
  } catch (error) {
    observer.alertsPosted({ cluster: event.cluster, sink: event.sink, alerts: event.alerts.length, ok: false });
    throw error;
  }
}

/** Alertmanager v2: every firing alert (re-sent each run, as Prometheus does) and the resolved ones with endsAt. */
export function postToAlertmanager(observer: WatchObserver, post: AlertPost & { url: string }): Promise<void> {
  const url = `${post.url.replace(/\/+$/, '')}/api/v2/alerts`;
  return counted(observer, { ...post, sink: 'alertmanager' }, () =>
    postJson({ kind: 'alertmanager', name: post.url, url }, alertmanagerBody(post.alerts)),
  );
}

/** The generic JSON webhook: what opened and resolved this run. */
export function postToWebhook(observer: WatchObserver, post: AlertPost & { target: string }): Promise<void> {
  return counted(observer, { ...post, sink: 'webhook' }, () =>
    postJson(
      { kind: 'webhook', name: post.target.startsWith('http') ? 'URL' : post.target, url: resolveTarget(post.target) },
      webhookBody(post.cluster, post.alerts, new Date().toISOString()),
    ),
  );
}

/** A Slack-compatible incoming webhook: what opened and resolved this run, one line each. */
export function postToSlack(observer: WatchObserver, post: AlertPost & { target: string }): Promise<void> {
  return counted(observer, { ...post, sink: 'slack' }, () =>
    postJson(
      { kind: 'slack', name: post.target, url: resolveTarget(post.target) },
      slackBody(post.cluster, post.alerts),
    ),
  );
}
