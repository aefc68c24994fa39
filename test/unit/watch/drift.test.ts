// The watch's pure decisions: what opened and resolved between runs, the alerts each sink gets, which finding
// auto-fix may start (once, never after its runbook failed), and the state carried from the schedule.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../domain/diagnose/report.js';
import { alertmanagerBody, driftAlerts, slackBody, webhookBody } from '../../../domain/watch/alerts.js';
import {
  forNewConfiguration,
  keptAttempts,
  nextAutoFix,
  settleAttempts,
  suspensionFindings,
} from '../../../domain/watch/auto-fix.js';
import { compareFindings, watchedFinding } from '../../../domain/watch/findings.js';
import { carriedState, freshState } from '../../../domain/watch/state.js';
import type { AutoFixAttempt, DriftState, WatchedFinding } from '../../../domain/watch/types.js';

const orphan = (name: string, ip = '192.0.2.5'): Finding => ({
  key: `orphaned-ip:${name}`,
  causedBy: null,
  id: 'orphaned-ip',
  check: 'orphaned-ips',
  severity: 'error',
  title: `Service shop/${name} holds ${ip}, in no pool`,
  detail: 'the controller is down',
  objects: [{ kind: 'Service', namespace: 'shop', name }],
  fix: {
    runbook: 'cleanup-orphans',
    command: `metallb-runbooks fix cleanup-orphans --service shop/${name}`,
    explanation: '',
  },
});
const at = (text: string) => `2026-12-01T10:${text}Z`;
const watched = (name: string, since = at('00:00')) => watchedFinding(orphan(name), since);

describe('compareFindings', () => {
  it('keys a finding by rule and objects, not its title, and keeps when it was first seen', () => {
    const before = [watched('web', at('00:00'))];
    const now = [watchedFinding(orphan('web', '192.0.2.9'), at('05:00')), watched('api', at('05:00'))];
    const changes = compareFindings(before, now);
    expect(changes.open.map((f) => [f.key, f.since])).toEqual([
      ['orphaned-ip|Service shop/web', at('00:00')],
      ['orphaned-ip|Service shop/api', at('05:00')],
    ]);
    expect(changes.opened.map((f) => f.object)).toEqual(['Service shop/api']);
    expect(changes.resolved).toEqual([]);
  });

  it('reports what went away as resolved', () => {
    const changes = compareFindings([watched('web'), watched('api')], [watched('api')]);
    expect(changes.resolved.map((f) => f.object)).toEqual(['Service shop/web']);
    expect(changes.opened).toEqual([]);
  });
});

describe('driftAlerts and the sink bodies', () => {
  const input = { cluster: 'prod', intervalSeconds: 60 };
  const now = new Date(at('05:00'));
  const changes = compareFindings([watched('old')], [watched('web')]);
  const alerts = driftAlerts(changes, input, now);

  it('fires every open finding until three intervals from now, and resolves what went away with endsAt now', () => {
    expect(alerts.firing).toHaveLength(1);
    expect(alerts.firing[0]).toMatchObject({
      status: 'firing',
      labels: {
        alertname: 'MetalLBDrift',
        cluster: 'prod',
        check: 'orphaned-ips',
        severity: 'error',
        object: 'Service shop/web',
        finding: 'orphaned-ip',
      },
      annotations: { runbook: 'metallb-runbooks fix cleanup-orphans --service shop/web' },
      endsAt: new Date(at('08:00')).toISOString(),
    });
    expect(alerts.opened).toEqual(alerts.firing);
    expect(alerts.resolved[0]).toMatchObject({ status: 'resolved', endsAt: now.toISOString() });
  });

  it('gives Alertmanager its postable alerts, the webhook a versioned body and Slack one line per alert', () => {
    expect(Object.keys(alertmanagerBody(alerts.firing)[0]!)).toEqual(['labels', 'annotations', 'startsAt', 'endsAt']);
    expect(webhookBody('prod', alerts.resolved, now.toISOString())).toMatchObject({ version: 1, cluster: 'prod' });
    const text = slackBody('prod', [...alerts.opened, ...alerts.resolved]).text.split('\n');
    expect(text[0]).toBe('MetalLB drift on prod:');
    expect(text[1]).toContain(':rotating_light: FIRING [error] Service shop/web holds 192.0.2.5');
    expect(text[1]).toContain('(fix: `metallb-runbooks fix cleanup-orphans --service shop/web`)');
    expect(text[2]).toContain(':white_check_mark: RESOLVED');
  });
});

describe('auto-fix', () => {
  const attempt = (findingKey: string, outcome: AutoFixAttempt['outcome']): AutoFixAttempt => ({
    findingKey,
    runbook: 'cleanup-orphans',
    workflowId: 'metallb-change.prod',
    runId: `run-${findingKey}`,
    startedAt: at('01:00'),
    outcome,
  });
  const state = (extra: Partial<DriftState> = {}): DriftState => ({ ...freshState(at('00:00')), ...extra });
  const open: WatchedFinding[] = [watched('web'), watched('api')];

  it('is off unless the runbook is enabled', () => {
    expect(nextAutoFix(open, state(), [])).toBeNull();
    expect(nextAutoFix(open, state(), ['restart-speakers'])).toBeNull();
    expect(nextAutoFix(open, state(), ['cleanup-orphans'])?.object).toBe('Service shop/web');
  });

  it('tries each finding at most once, and starts nothing while an attempt runs', () => {
    const tried = state({ attempts: [attempt(open[0]!.key, 'succeeded')] });
    expect(nextAutoFix(open, tried, ['cleanup-orphans'])?.object).toBe('Service shop/api');
    const running = state({ attempts: [attempt(open[0]!.key, 'running')] });
    expect(nextAutoFix(open, running, ['cleanup-orphans'])).toBeNull();
  });

  it('stops the runbook after a failed attempt and raises one finding for it, until watch is configured again', () => {
    const failed = { ...attempt(open[0]!.key, 'failed'), failure: 'failed: timed out waiting for an IP' };
    const settled = settleAttempts(state({ attempts: [attempt(open[0]!.key, 'running')] }), [failed]);
    expect(settled.suspended).toEqual(['cleanup-orphans']);
    expect(nextAutoFix(open, settled, ['cleanup-orphans'])).toBeNull();
    const [alert] = suspensionFindings(settled, { cluster: 'prod' }, at('02:00'));
    expect(alert).toMatchObject({ key: 'auto-fix-failed|cleanup-orphans', check: 'auto-fix', severity: 'error' });
    expect(alert!.title).toContain('timed out waiting for an IP');
    const reconfigured = forNewConfiguration(settled, at('03:00'));
    expect(reconfigured.suspended).toEqual([]);
    expect(reconfigured.attempts).toEqual([]);
    expect(forNewConfiguration(settled, settled.configuredAt)).toBe(settled);
  });

  it('forgets the attempts of findings that resolved (a new occurrence gets a new try), keeps running ones', () => {
    const attempts = [attempt(open[0]!.key, 'succeeded'), attempt('gone', 'succeeded'), attempt('gone-too', 'running')];
    expect(keptAttempts(attempts, open).map((a) => a.findingKey)).toEqual([open[0]!.key, 'gone-too']);
  });
});

describe('carriedState', () => {
  it('starts fresh without a previous result or with one it cannot read', () => {
    expect(carriedState(undefined, at('00:00'))).toEqual(freshState(at('00:00')));
    expect(carriedState({ open: 'nope' }, at('00:00'))).toEqual(freshState(at('00:00')));
  });

  it("reads the previous run's result, dropping what is not state", () => {
    const previous = { ...freshState(at('00:00')), open: [watched('web')], deliveryErrors: ['x'] };
    expect(carriedState(previous, at('09:00'))).toEqual({ ...freshState(at('00:00')), open: [watched('web')] });
  });
});
