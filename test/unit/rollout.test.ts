import { describe, expect, it } from 'vitest';
import type { V1DaemonSet, V1Deployment, V1Pod } from '@kubernetes/client-node';
import {
  daemonSetHashLabel,
  daemonSetRolloutStatus,
  deploymentHashLabel,
  deploymentRolloutStatus,
  podsNotOnTemplate,
  restartedAtAnnotation,
  restartPatch,
  type DaemonSetLike,
  type DeploymentLike,
  type PodLike,
} from '../../domain/rollout.js';

const deploy = (
  status: NonNullable<DeploymentLike['status']>,
  opts: { generation?: number; replicas?: number | null } = {},
): DeploymentLike => ({
  metadata: { name: 'controller', generation: opts.generation ?? 2 },
  spec: opts.replicas === null ? {} : { replicas: opts.replicas ?? 1 },
  status: { observedGeneration: 2, ...status },
});

describe('deploymentRolloutStatus', () => {
  it('waits for the spec update to be observed when generation > observedGeneration', () => {
    const d = deploy(
      { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
      { generation: 3 },
    );
    expect(deploymentRolloutStatus(d)).toEqual({
      phase: 'waiting',
      message: 'Waiting for deployment spec update to be observed...',
    });
  });

  it('fails when Progressing has ProgressDeadlineExceeded', () => {
    const d = deploy({
      conditions: [
        { type: 'Available', reason: 'MinimumReplicasUnavailable' },
        { type: 'Progressing', reason: 'ProgressDeadlineExceeded' },
      ],
      updatedReplicas: 0,
    });
    expect(deploymentRolloutStatus(d)).toEqual({
      phase: 'failed',
      message: 'deployment "controller" exceeded its progress deadline',
    });
  });

  it('ignores ProgressDeadlineExceeded on a condition other than Progressing', () => {
    const d = deploy({
      conditions: [{ type: 'Available', reason: 'ProgressDeadlineExceeded' }],
      replicas: 1,
      updatedReplicas: 1,
      availableReplicas: 1,
    });
    expect(deploymentRolloutStatus(d).phase).toBe('done');
  });

  it('does not report the deadline while the spec update is unobserved', () => {
    const d = deploy({ conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded' }] }, { generation: 5 });
    expect(deploymentRolloutStatus(d).message).toBe('Waiting for deployment spec update to be observed...');
  });

  it('waits while fewer replicas are updated than desired', () => {
    const d = deploy({ replicas: 3, updatedReplicas: 1, availableReplicas: 1 }, { replicas: 3 });
    expect(deploymentRolloutStatus(d)).toEqual({
      phase: 'waiting',
      message: 'Waiting for deployment "controller" rollout to finish: 1 out of 3 new replicas have been updated...',
    });
  });

  it('waits for old replicas pending termination', () => {
    const d = deploy({ replicas: 3, updatedReplicas: 2, availableReplicas: 2 }, { replicas: 2 });
    expect(deploymentRolloutStatus(d)).toEqual({
      phase: 'waiting',
      message: 'Waiting for deployment "controller" rollout to finish: 1 old replicas are pending termination...',
    });
  });

  it('waits for updated replicas to become available', () => {
    const d = deploy({ replicas: 2, updatedReplicas: 2, availableReplicas: 1 }, { replicas: 2 });
    expect(deploymentRolloutStatus(d)).toEqual({
      phase: 'waiting',
      message: 'Waiting for deployment "controller" rollout to finish: 1 of 2 updated replicas are available...',
    });
  });

  it('is done when everything is updated and available', () => {
    const d = deploy({ replicas: 2, updatedReplicas: 2, availableReplicas: 2 }, { replicas: 2 });
    expect(deploymentRolloutStatus(d)).toEqual({
      phase: 'done',
      message: 'deployment "controller" successfully rolled out',
    });
  });

  it('defaults spec.replicas to 1 and missing status numbers to 0', () => {
    const d = deploy({}, { replicas: null });
    expect(deploymentRolloutStatus(d).message).toBe(
      'Waiting for deployment "controller" rollout to finish: 0 out of 1 new replicas have been updated...',
    );
  });

  it('treats scale-to-zero with nothing left as done', () => {
    expect(deploymentRolloutStatus(deploy({}, { replicas: 0 })).phase).toBe('done');
  });

  it('handles a bare object (generation 0 <= observedGeneration 0)', () => {
    expect(deploymentRolloutStatus({}).message).toBe(
      'Waiting for deployment "" rollout to finish: 0 out of 1 new replicas have been updated...',
    );
  });
});

const ds = (
  status: NonNullable<DaemonSetLike['status']>,
  opts: { generation?: number; strategy?: string | null } = {},
): DaemonSetLike => ({
  metadata: { name: 'speaker', generation: opts.generation ?? 4 },
  spec: opts.strategy === null ? {} : { updateStrategy: { type: opts.strategy ?? 'RollingUpdate' } },
  status: { observedGeneration: 4, ...status },
});

describe('daemonSetRolloutStatus', () => {
  it('rejects strategies other than RollingUpdate', () => {
    expect(daemonSetRolloutStatus(ds({}, { strategy: 'OnDelete' }))).toEqual({
      phase: 'failed',
      message: 'rollout status is only available for RollingUpdate strategy type',
    });
  });

  it('treats a missing updateStrategy as RollingUpdate', () => {
    const d = ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }, { strategy: null });
    expect(daemonSetRolloutStatus(d).phase).toBe('done');
  });

  it('waits for the spec update to be observed', () => {
    const d = ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }, { generation: 5 });
    expect(daemonSetRolloutStatus(d)).toEqual({
      phase: 'waiting',
      message: 'Waiting for daemon set spec update to be observed...',
    });
  });

  it('waits while pods are not yet updated', () => {
    const d = ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 1, numberAvailable: 3 });
    expect(daemonSetRolloutStatus(d)).toEqual({
      phase: 'waiting',
      message: 'Waiting for daemon set "speaker" rollout to finish: 1 out of 3 new pods have been updated...',
    });
  });

  it('waits while updated pods are not available', () => {
    const d = ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 });
    expect(daemonSetRolloutStatus(d)).toEqual({
      phase: 'waiting',
      message: 'Waiting for daemon set "speaker" rollout to finish: 2 of 3 updated pods are available...',
    });
  });

  it('is done when all scheduled pods are updated and available', () => {
    const d = ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 });
    expect(daemonSetRolloutStatus(d)).toEqual({
      phase: 'done',
      message: 'daemon set "speaker" successfully rolled out',
    });
  });

  it('treats missing status numbers as 0 (nothing scheduled is done)', () => {
    expect(daemonSetRolloutStatus(ds({})).phase).toBe('done');
  });
});

describe('podsNotOnTemplate', () => {
  const pods: PodLike[] = [
    { metadata: { name: 'controller-7d9f-a', labels: { [deploymentHashLabel]: '7d9f' } } },
    { metadata: { name: 'controller-5c4b-b', labels: { [deploymentHashLabel]: '5c4b' } } },
    { metadata: { name: 'controller-x', labels: {} } },
    { metadata: { name: 'controller-y' } },
  ];

  it('returns pods whose hash label differs or is missing', () => {
    expect(podsNotOnTemplate(pods, '7d9f', deploymentHashLabel)).toEqual([
      'controller-5c4b-b',
      'controller-x',
      'controller-y',
    ]);
  });

  it('uses the label the caller names', () => {
    const speakers: PodLike[] = [
      { metadata: { name: 'speaker-a', labels: { [daemonSetHashLabel]: '6b8c', [deploymentHashLabel]: 'zzz' } } },
      { metadata: { name: 'speaker-b', labels: { [daemonSetHashLabel]: '5f7d' } } },
    ];
    expect(podsNotOnTemplate(speakers, '6b8c', daemonSetHashLabel)).toEqual(['speaker-b']);
    expect(podsNotOnTemplate([], '6b8c', daemonSetHashLabel)).toEqual([]);
  });
});

describe('restartPatch', () => {
  it('writes the annotation kubectl rollout restart writes', () => {
    expect(restartedAtAnnotation).toBe('kubectl.kubernetes.io/restartedAt');
    expect(restartPatch('2026-11-23T10:00:00Z')).toEqual({
      spec: {
        template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-23T10:00:00Z' } } },
      },
    });
  });
});

describe('input types', () => {
  it('accept @kubernetes/client-node objects structurally', () => {
    const d: V1Deployment = { metadata: { name: 'controller', generation: 1 }, status: { observedGeneration: 1 } };
    const s: V1DaemonSet = { metadata: { name: 'speaker' }, spec: { selector: {}, template: {} } };
    const p: V1Pod = { metadata: { name: 'speaker-a', labels: { [daemonSetHashLabel]: 'h' } } };
    const dl: DeploymentLike = d;
    const sl: DaemonSetLike = s;
    const pl: PodLike = p;
    expect(deploymentRolloutStatus(dl).phase).toBe('waiting');
    expect(daemonSetRolloutStatus(sl).phase).toBe('done');
    expect(podsNotOnTemplate([pl], 'h', daemonSetHashLabel)).toEqual([]);
  });
});
