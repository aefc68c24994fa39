import { describe, expect, it } from 'vitest';
import {
  judgeRollout,
  restartRefusal,
  type PodFacts,
  type RolloutObservation,
} from '../../../domain/runbooks/rollout-check.js';

const pod = (name: string, hash: string, extra: Partial<PodFacts> = {}): PodFacts => ({
  name,
  node: 'n0',
  labels: { 'pod-template-hash': hash },
  ready: true,
  terminating: false,
  ...extra,
});

const deployment = (status: Record<string, number>, generation = 2): RolloutObservation['workload'] => ({
  metadata: { name: 'controller', generation },
  spec: { replicas: 1 },
  status: { observedGeneration: generation, replicas: 1, updatedReplicas: 1, availableReplicas: 1, ...status },
});

const observe = (o: Partial<RolloutObservation>): RolloutObservation => ({
  kind: 'Deployment',
  workload: deployment({}),
  generation: 2,
  currentHash: 'new',
  pods: [pod('controller-new', 'new')],
  ...o,
});

describe('judgeRollout', () => {
  it('is done when kubectl would say so, every pod is on the new template and ready', () => {
    expect(judgeRollout(observe({}))).toEqual({
      done: true,
      failed: false,
      message: 'deployment "controller" successfully rolled out; 1 pod(s) on the new template and ready',
    });
  });

  it('waits until the controller has observed the generation the restart produced', () => {
    expect(judgeRollout(observe({ workload: deployment({ observedGeneration: 1 }, 1), generation: 2 })).message).toBe(
      'controller has observed generation 1 of 2',
    );
  });

  it('waits while an old pod is still there, even terminating', () => {
    const v = judgeRollout(
      observe({ pods: [pod('controller-new', 'new'), pod('controller-old', 'old', { terminating: true })] }),
    );
    expect(v).toMatchObject({ done: false, message: 'old pods still present: controller-old' });
  });

  it('waits for readiness and for the current revision to be known', () => {
    expect(judgeRollout(observe({ pods: [pod('controller-new', 'new', { ready: false })] })).message).toBe(
      'pods not ready: controller-new',
    );
    expect(judgeRollout(observe({ currentHash: null })).done).toBe(false);
  });

  it('fails when the Deployment exceeded its progress deadline', () => {
    const workload = {
      ...deployment({ updatedReplicas: 0 }),
      status: { observedGeneration: 2, conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded' }] },
    };
    expect(judgeRollout(observe({ workload }))).toMatchObject({ failed: true, done: false });
  });

  it('for a DaemonSet, requires one new ready pod per desired node', () => {
    const ds = {
      metadata: { name: 'speaker', generation: 3 },
      spec: { updateStrategy: { type: 'RollingUpdate' } },
      status: { observedGeneration: 3, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 },
    };
    const dsPod = (n: string) => ({ ...pod(n, 'r2'), labels: { 'controller-revision-hash': 'r2' } });
    const base = { kind: 'DaemonSet' as const, workload: ds, generation: 3, currentHash: 'r2' };
    expect(judgeRollout({ ...base, pods: [dsPod('s0'), dsPod('s1')] }).message).toBe('2 of 3 pods exist');
    expect(judgeRollout({ ...base, pods: [dsPod('s0'), dsPod('s1'), dsPod('s2')] }).done).toBe(true);
  });
});

describe('restartRefusal: decided before the restart patch', () => {
  it('refuses an OnDelete DaemonSet with the reason and what to do', () => {
    expect(restartRefusal('DaemonSet', 'metallb-system/speaker', 'OnDelete')).toBe(
      'DaemonSet metallb-system/speaker uses updateStrategy OnDelete: a rollout restart would replace no pod; ' +
        'nothing was changed. Delete the speaker pods one at a time, or switch it to RollingUpdate',
    );
  });

  it('accepts a RollingUpdate or defaulted DaemonSet, and any Deployment', () => {
    expect(restartRefusal('DaemonSet', 'ns/speaker', 'RollingUpdate')).toBeNull();
    expect(restartRefusal('DaemonSet', 'ns/speaker', undefined)).toBeNull();
    expect(restartRefusal('Deployment', 'ns/controller', undefined)).toBeNull();
  });
});
