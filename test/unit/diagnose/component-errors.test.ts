import { describe, expect, it } from 'vitest';
import { rejectionPersists } from '../../../domain/diagnose/component-errors.js';
import { ago, brief, healthyCluster, installation, l2Adv, NOW, ofCheck, run } from './builders.js';

const line = (fields: Record<string, unknown>) => JSON.stringify({ ...fields });
const parseError = (ts: string) =>
  line({
    caller: 'pool_controller.go:94',
    controller: 'PoolReconciler',
    error: 'CIDR "192.0.2.0/28" in pool "b" overlaps with already defined CIDR "192.0.2.0/24"',
    level: 'error',
    ts,
  });
const rejected = (ts: string) =>
  line({
    caller: 'main.go:567',
    error: 'service has no configuration under new config',
    ip: ['192.0.2.5'],
    level: 'error',
    msg: 'new configuration rejected',
    op: 'setConfig',
    service: 'demo/web',
    ts,
  });
const reloaded = (ts: string) =>
  line({ caller: 'pool_controller.go:128', controller: 'PoolReconciler', event: 'config reloaded', level: 'info', ts });
const legacy = (ts: string) =>
  line({
    caller: 'main.go:111',
    error: 'new config not compatible with assigned IPs: service "demo/web" cannot own "[192.0.2.20]" under new config',
    level: 'error',
    msg: 'applying new configuration failed',
    op: 'setConfig',
    ts,
  });
const reloadFailed = (ts: string) =>
  line({
    caller: 'pool_controller.go:89',
    controller: 'PoolReconciler',
    event: 'reload failed, retry',
    level: 'error',
    ts,
  });

const since = ago(3600);
const withLogs = (controller: string[], speaker: string[] = []) =>
  ofCheck(
    run(healthyCluster(), {
      logs: { controller: controller.join('\n'), speaker: speaker.join('\n') },
      logsSince: since,
    }),
    'component-errors',
  );

describe('component errors', () => {
  it('controller config parse errors: grouped with count, first/last, example; objects named in the error', () => {
    const findings = withLogs([parseError(ago(120)), parseError(ago(60)), parseError(ago(10))]);
    expect(findings.map(brief)).toEqual([
      {
        id: 'controller-config-parse-error',
        severity: 'error',
        objects: [{ kind: 'IPAddressPool', namespace: 'metallb-system', name: 'b' }],
        fix: 'metallb-runbooks fix restart-controller',
      },
    ]);
    expect(findings[0]!.title).toBe(
      `The controller (PoolReconciler) rejected the MetalLB configuration 3× between ${ago(120)} and ${ago(10)}: CIDR "192.0.2.0/28" in pool "b" overlaps with already defined CIDR "192.0.2.0/24"`,
    );
    expect(findings[0]!.data).toMatchObject({ count: 3, first: ago(120), last: ago(10), component: 'controller' });
  });

  it('a parse error followed by "config reloaded" is only info', () => {
    const [finding] = withLogs([parseError(ago(120)), reloaded(ago(60))]);
    expect(finding!.severity).toBe('info');
    expect(finding!.title).toMatch(/^\(since resolved\)/);
  });

  it('lines before --since are ignored', () => {
    expect(withLogs([parseError(ago(7200))])).toEqual([]);
  });

  it('speaker rejections lasting over 60 s and still present are a warning → restart-speakers', () => {
    const findings = withLogs([], [rejected(ago(300)), rejected(ago(200)), rejected(ago(20))]);
    expect(findings.map(brief)).toEqual([
      {
        id: 'speaker-config-rejected',
        severity: 'warning',
        objects: [{ kind: 'Service', namespace: 'demo', name: 'web' }],
        fix: 'metallb-runbooks fix restart-speakers',
      },
    ]);
  });

  it('speaker rejections during a pool edit (short burst) are info', () => {
    const findings = withLogs([], [rejected(ago(40)), rejected(ago(35))]);
    expect(findings.map((f) => [f.id, f.severity, f.fix])).toEqual([['speaker-config-rejected', 'info', null]]);
  });

  it('speaker rejections that stopped over a minute ago are info', () => {
    const findings = withLogs([], [rejected(ago(900)), rejected(ago(600))]);
    expect(findings[0]!.severity).toBe('info');
  });

  it('v0.13 fail-static lines become one controller-config-stale-legacy error', () => {
    const findings = withLogs([legacy(ago(100)), reloadFailed(ago(100)), legacy(ago(50)), reloadFailed(ago(50))]);
    expect(findings.map(brief)).toEqual([
      {
        id: 'controller-config-stale-legacy',
        severity: 'error',
        objects: [],
        fix: 'metallb-runbooks fix restart-controller',
      },
    ]);
  });

  it('empty logs give nothing', () => {
    expect(withLogs([])).toEqual([]);
  });
});

describe('rejectionPersists', () => {
  const now = Date.parse(NOW);
  it.each([
    [ago(300), ago(20), true],
    [ago(50), ago(20), false],
    [ago(300), ago(120), false],
    [null, ago(20), false],
  ])('first %s last %s → %s', (first, last, expected) => {
    expect(rejectionPersists(now, { first, last })).toBe(expected);
  });
});

describe('errors a later successful reload shows are over', () => {
  it('downgrades the v0.16 start-up "failed to report condition" race to info', () => {
    const race =
      '{"caller":"pool_controller.go:59","controller":"PoolReconciler","error":"patch metallb-system/controller: configurationstates.metallb.io \\"controller\\" not found","level":"error","message":"failed to report condition","ts":"2026-11-23T11:50:00Z"}';
    const reloaded =
      '{"caller":"pool_controller.go:128","controller":"PoolReconciler","event":"config reloaded","level":"info","ts":"2026-11-23T11:50:05Z"}';
    const report = run([...installation(), l2Adv('all')], {
      logs: { controller: `${race}\n${reloaded}\n`, speaker: '' },
      logsSince: '2026-11-23T11:00:00.000Z',
    });
    const errors = report.findings.filter((f) => f.check === 'component-errors');
    expect(errors.map((f) => [f.id, f.severity])).toEqual([['controller-configuration-state-missing', 'info']]);
    expect(errors[0]!.title).toMatch(/^\(since resolved\)/);
  });

  it('keeps it a warning when it happened after the last reload', () => {
    const reloaded =
      '{"caller":"pool_controller.go:128","controller":"PoolReconciler","event":"config reloaded","level":"info","ts":"2026-11-23T11:50:00Z"}';
    const later =
      '{"caller":"x.go:1","error":"boom","level":"error","msg":"something broke","ts":"2026-11-23T11:55:00Z"}';
    const report = run([...installation(), l2Adv('all')], {
      logs: { controller: `${reloaded}\n${later}\n`, speaker: '' },
      logsSince: '2026-11-23T11:00:00.000Z',
    });
    expect(report.findings.filter((f) => f.check === 'component-errors').map((f) => [f.id, f.severity])).toEqual([
      ['controller-error', 'warning'],
    ]);
  });

  describe('the v0.16 ConfigurationState start-up race', () => {
    const race = (ts: string) =>
      line({
        caller: 'pool_controller.go:59',
        controller: 'PoolReconciler',
        error: 'patch metallb-system/controller: configurationstates.metallb.io "controller" not found',
        level: 'error',
        message: 'failed to report condition',
        ts,
      });
    const created = (ts: string) =>
      line({
        caller: 'configuration_state_controller.go:77',
        controller: 'ConfigurationStateReconciler',
        event: 'ConfigurationState created',
        level: 'info',
        name: 'controller',
        ts,
      });

    it('is no finding once the ConfigurationState was created, even within the same second', () => {
      expect(withLogs([race(ago(30)), created(ago(30))])).toEqual([]);
    });

    it('is a warning when the ConfigurationState never appeared', () => {
      expect(withLogs([race(ago(30))]).map(brief)).toEqual([
        {
          id: 'controller-configuration-state-missing',
          severity: 'warning',
          objects: [],
          fix: 'metallb-runbooks fix restart-controller',
        },
      ]);
    });
  });
});

// The three lines MetalLB v0.15 logs when its Service status write loses a race with another writer
// (recorded in CI, after a cleanup-orphans run re-created a Service while reprocessAll ran).
describe('an update conflict and its retry echoes', () => {
  const serviceJson = JSON.stringify({
    kind: 'Service',
    metadata: { name: 'b', namespace: 'demo', annotations: { 'metallb.io/ip-allocated-from-pool': 'doomed' } },
    spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
  });
  const conflict = (ts: string) =>
    line({
      caller: 'main.go:133',
      error:
        'Operation cannot be fulfilled on services "b": the object has been modified; please apply your changes to ' +
        'the latest version and try again',
      level: 'error',
      msg: 'failed to update service',
      op: 'updateServiceStatus',
      ts,
    });
  const handleFailed = (ts: string) =>
    line({
      caller: 'service_controller_reload.go:102',
      controller: 'ServiceReconciler - reprocessAll',
      endpoints: '[]',
      event: 'failed to handle service, retry',
      level: 'error',
      name: 'demo/b',
      service: serviceJson,
      ts,
    });
  const echo = (ts: string) =>
    line({
      level: 'error',
      ts,
      msg: 'Reconciler error',
      controller: 'service',
      namespace: 'metallbreload',
      name: 'reload',
      error: 'event handling failed, retrying',
    });
  const seconds = (iso: string) => iso.replace(/\.\d+Z$/, 'Z');
  const brieflyWithTitle = (controller: string[]) => withLogs(controller).map((f) => ({ ...brief(f), title: f.title }));

  it('is one info finding: the conflict; the retry lines that follow it are not findings of their own', () => {
    const at = seconds(ago(30));
    const findings = brieflyWithTitle([conflict(at), handleFailed(at), echo(at)]);
    expect(findings).toEqual([
      {
        id: 'controller-error',
        severity: 'info',
        objects: [],
        fix: null,
        title: expect.stringMatching(/^The controller logged an error 1× at .*the object has been modified/),
      },
    ]);
  });

  it('is a warning when conflicts keep coming: another writer is fighting MetalLB', () => {
    const findings = withLogs(Array.from({ length: 12 }, (_, index) => conflict(seconds(ago(600 - index * 30)))));
    expect(findings.map((f) => [f.id, f.severity, f.data?.['count']])).toEqual([['controller-error', 'warning', 12]]);
    expect(findings[0]!.detail).toMatch(/another writer keeps changing/);
  });

  it('makes one finding of one failure on many Services, naming how many more it holds', () => {
    const at = seconds(ago(30));
    const conflicts = ['a', 'b', 'c'].map((name) => conflict(at).replace('services \\"b\\"', `services \\"${name}\\"`));
    const findings = brieflyWithTitle(conflicts);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.title).toMatch(/error 3× at .*services "a".*\(and 2 more like it\)$/);
  });

  it('keeps an echo no error line explains, as a warning', () => {
    const findings = withLogs([conflict(seconds(ago(300))), echo(seconds(ago(30)))]);
    expect(findings.map((f) => [f.id, f.severity])).toEqual([
      ['controller-reconciler-error', 'warning'],
      ['controller-error', 'info'],
    ]);
  });

  it('drops the echo of a real failure too: the failure is the finding', () => {
    const allocation = line({
      caller: 'service.go:179',
      error: 'no available IPs',
      level: 'error',
      msg: 'IP allocation failed',
      op: 'allocateIPs',
      ts: seconds(ago(30)),
    });
    expect(withLogs([allocation, echo(seconds(ago(29)))]).map((f) => [f.id, f.severity])).toEqual([
      ['controller-allocation-failed', 'warning'],
    ]);
  });

  it('names the Service of a reprocessAll line by its key, not by the Service JSON it logs; clips the example', () => {
    const failed = line({
      level: 'error',
      ts: seconds(ago(30)),
      msg: 'something broke',
      error: 'boom',
      name: 'demo/b',
      service: serviceJson.repeat(40),
    });
    const [finding] = withLogs([failed]);
    expect(finding!.objects).toEqual([{ kind: 'Service', namespace: 'demo', name: 'b' }]);
    expect(finding!.data?.['example']).toMatch(/^\{.{1990,2010}… \(\d+ characters\)$/);
  });
});
