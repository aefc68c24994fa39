// `watch`'s flag checks (no server needed) and the worker's metrics as prom-client renders them.
import { describe, expect, it } from 'vitest';
import { checkWatchFlags, type WatchFlags } from '../../../client/commands/watch.js';
import { createWorkerMetrics } from '../../../worker/metrics.js';

const flags = (extra: Partial<WatchFlags> = {}): WatchFlags => ({
  temporalAddress: '127.0.0.1:7233',
  temporalNamespace: 'default',
  every: '5m',
  alertmanager: ['http://127.0.0.1:9093'],
  autoFix: [],
  requestedBy: 'ops',
  ...extra,
});

describe('checkWatchFlags', () => {
  it('turns the interval into seconds and keeps the sinks', () => {
    const options = checkWatchFlags(
      flags({ webhook: 'env:HOOK', slack: 'file:/etc/slack-url', autoFix: ['cleanup-orphans'] }),
    );
    expect(options.intervalSeconds).toBe(300);
    expect(options.sinks).toEqual({
      alertmanager: ['http://127.0.0.1:9093'],
      webhook: 'env:HOOK',
      slack: 'file:/etc/slack-url',
    });
    expect(options.autoFix).toEqual(['cleanup-orphans']);
  });

  it.each([
    [{ every: 'soon' }, '--every "soon" must be a duration like 30s, 5m or 1h'],
    [{ every: '1s' }, '--every 1s is too often: at least 5s'],
    [{ autoFix: ['reapply-config'] }, '--auto-fix "reapply-config": choose cleanup-orphans or restart-speakers'],
    [{ alertmanager: ['am:9093'] }, '--alertmanager "am:9093" must be an http(s) URL'],
    [
      { slack: 'https://hooks.example.test/T/B/x' },
      /^--slack takes env:NAME or file:\/path that the worker reads, not the URL/,
    ],
    [{ slack: 'slack-url.txt' }, '--slack "slack-url.txt" must be env:NAME or file:/absolute/path'],
    [{ alertmanager: [] }, 'watch needs somewhere to send alerts: --alertmanager, --webhook or --slack'],
  ])('refuses %j', (extra, message) => {
    expect(() => checkWatchFlags(flags(extra as Partial<WatchFlags>))).toThrow(message);
  });
});

describe('worker metrics', () => {
  it('counts runs and steps, sets every check and severity of a diagnosis, and counts deliveries', async () => {
    const metrics = createWorkerMetrics();
    metrics.changes.stepEnded({
      cluster: 'prod',
      runbook: 'restart-speakers',
      step: 'restart',
      status: 'done',
      seconds: 0.3,
    });
    metrics.changes.runEnded({ cluster: 'prod', runbook: 'apply', outcome: 'rolled-back', seconds: 12 });
    metrics.watch.diagnosed({
      cluster: 'prod',
      intervalSeconds: 300,
      findings: [{ check: 'orphaned-ips', severity: 'error' }],
    });
    metrics.watch.alertsPosted({ cluster: 'prod', sink: 'slack', alerts: 2, ok: false });
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'metallb_runbooks_change_runs_total{cluster="prod",runbook="apply",outcome="rolled-back"} 1',
    );
    expect(text).toContain(
      'metallb_runbooks_change_step_duration_seconds_bucket{le="0.5",cluster="prod",runbook="restart-speakers",' +
        'step="restart",status="done"} 1',
    );
    expect(text).toContain('metallb_runbooks_drift_findings{cluster="prod",check="orphaned-ips",severity="error"} 1');
    expect(text).toContain('metallb_runbooks_drift_findings{cluster="prod",check="capacity",severity="warning"} 0');
    expect(text).toContain('metallb_runbooks_drift_interval_seconds{cluster="prod"} 300');
    expect(text).toContain('metallb_runbooks_alert_delivery_failures_total{cluster="prod",sink="slack"} 1');
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
  });
});
