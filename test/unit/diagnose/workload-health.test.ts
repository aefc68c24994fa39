import { describe, expect, it } from 'vitest';
import {
  ago,
  brief,
  controllerDeployment,
  installation,
  l2Adv,
  NS,
  ofCheck,
  pod,
  pool,
  run,
  speakerDaemonSet,
} from './builders.js';

type Obj = Record<string, unknown>;
const replace = (objects: Obj[], kind: string, by: Obj[]) => [...objects.filter((o) => o['kind'] !== kind), ...by];
const cluster = (...extra: Obj[]) => [...installation(), pool('a', ['192.0.2.0/24']), l2Adv('l2'), ...extra];
const check = (objects: unknown[]) => ofCheck(run(objects), 'workload-health');
const deployment = { kind: 'Deployment', namespace: NS, name: 'controller' };
const daemonSet = { kind: 'DaemonSet', namespace: NS, name: 'speaker' };

describe('controller Deployment', () => {
  it('no available replica → error, restart-controller, not-ready pods listed', () => {
    const objects = replace(replace(cluster(), 'Deployment', [controllerDeployment({ available: 0 })]), 'Pod', [
      pod('controller-x', 'controller', { ready: false }),
    ]);
    const findings = check(objects);
    expect(findings.map(brief)).toEqual([
      {
        id: 'controller-unavailable',
        severity: 'error',
        objects: [deployment, { kind: 'Pod', namespace: NS, name: 'controller-x' }],
        fix: 'metallb-runbooks fix restart-controller',
      },
    ]);
    expect(findings[0]!.title).toBe('Controller Deployment metallb-system/controller has 0 of 1 replicas available');
  });

  it('rollout past its progress deadline (kubectl rollout status semantics)', () => {
    const stuck = controllerDeployment({
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
    });
    const findings = check(replace(cluster(), 'Deployment', [stuck]));
    expect(findings.map(brief)).toEqual([
      {
        id: 'controller-rollout-stuck',
        severity: 'error',
        objects: [deployment],
        fix: 'metallb-runbooks fix restart-controller',
      },
    ]);
    expect(findings[0]!.title).toBe(
      'deployment "controller" exceeded its progress deadline (metallb-system/controller)',
    );
  });

  it('observedGeneration behind generation', () => {
    const findings = check(
      replace(cluster(), 'Deployment', [controllerDeployment({ generation: 3, observedGeneration: 2 })]),
    );
    expect(findings.map((f) => [f.id, f.severity])).toEqual([['controller-rollout-not-observed', 'warning']]);
  });

  it('scaled to zero', () => {
    const findings = check(replace(cluster(), 'Deployment', [controllerDeployment({ replicas: 0 })]));
    expect(findings.map((f) => [f.id, f.severity, f.fix?.command])).toEqual([
      ['controller-scaled-to-zero', 'error', 'kubectl -n metallb-system scale deployment controller --replicas=1'],
    ]);
  });

  it('Helm naming and labels are recognised', () => {
    const helm = [
      ...installation().filter((o) => !['Deployment', 'DaemonSet', 'Pod'].includes(o['kind'] as string)),
      controllerDeployment({ helm: true }),
      speakerDaemonSet({ helm: true }),
      pool('a', ['192.0.2.0/24']),
      l2Adv('l2'),
    ];
    expect(check(helm)).toEqual([]);
    const down = helm.map((o) => (o['kind'] === 'Deployment' ? controllerDeployment({ helm: true, available: 0 }) : o));
    expect(check(down).map((f) => f.objects[0])).toEqual([
      { kind: 'Deployment', namespace: NS, name: 'metallb-controller' },
    ]);
  });

  it('missing controller', () => {
    const findings = check(cluster().filter((o) => o['kind'] !== 'Deployment'));
    expect(findings.map((f) => [f.id, f.severity])).toEqual([['controller-missing', 'error']]);
  });
});

describe('speaker DaemonSet', () => {
  it('some speakers unavailable → warning, restart-speakers', () => {
    const findings = check(replace(cluster(), 'DaemonSet', [speakerDaemonSet({ desired: 3, available: 2 })]));
    expect(findings.map(brief)).toEqual([
      {
        id: 'speaker-partially-available',
        severity: 'warning',
        objects: [daemonSet],
        fix: 'metallb-runbooks fix restart-speakers',
      },
    ]);
    expect(findings[0]!.title).toBe('Speaker DaemonSet metallb-system/speaker has 2 of 3 pods available');
  });

  it('no speaker available → error', () => {
    expect(
      check(replace(cluster(), 'DaemonSet', [speakerDaemonSet({ desired: 3, available: 0 })])).map((f) => [
        f.id,
        f.severity,
      ]),
    ).toEqual([['speaker-unavailable', 'error']]);
  });

  it('a rollout in progress', () => {
    expect(
      check(replace(cluster(), 'DaemonSet', [speakerDaemonSet({ desired: 3, updated: 1 })])).map((f) => [
        f.id,
        f.severity,
        f.title,
      ]),
    ).toEqual([
      [
        'speaker-rollout-incomplete',
        'warning',
        'Waiting for daemon set "speaker" rollout to finish: 1 out of 3 new pods have been updated',
      ],
    ]);
  });
});

describe('pods', () => {
  it('crash-looping speaker pod → error', () => {
    const findings = check([
      ...cluster(),
      pod('speaker-ddddd', 'speaker', { waiting: 'CrashLoopBackOff', restarts: 12, ready: false }),
    ]);
    expect(findings.map(brief)).toEqual([
      {
        id: 'speaker-pod-crashlooping',
        severity: 'error',
        objects: [{ kind: 'Pod', namespace: NS, name: 'speaker-ddddd' }],
        fix: 'metallb-runbooks fix restart-speakers',
      },
    ]);
  });

  it('a restart inside the window → warning; an old restart → nothing', () => {
    const recent = check([
      ...cluster(),
      pod('controller-y', 'controller', { restarts: 2, lastFinishedAt: ago(300), lastReason: 'OOMKilled' }),
    ]);
    expect(recent.map((f) => [f.id, f.severity])).toEqual([['controller-pod-restarted', 'warning']]);
    expect(recent[0]!.title).toContain('(OOMKilled)');
    expect(
      check([...cluster(), pod('controller-y', 'controller', { restarts: 2, lastFinishedAt: ago(86_400) })]),
    ).toEqual([]);
  });

  it('a file dump without workloads says so instead of reporting them missing', () => {
    const report = run([pool('a', ['192.0.2.0/24']), l2Adv('l2')], { source: 'file' });
    expect(ofCheck(report, 'workload-health').map((f) => [f.id, f.severity])).toEqual([
      ['workloads-not-in-input', 'info'],
    ]);
  });
});
