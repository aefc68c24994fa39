import { describe, expect, it } from 'vitest';
import { changeWorkflowId, taskQueueFor, workflowTypes, RUNBOOKS } from '../../../domain/runbooks/names.js';
import {
  failStep,
  finishStep,
  plannedProgress,
  skipStep,
  startStep,
  stepElapsedMs,
} from '../../../domain/runbooks/progress.js';
import { describeIpChanges, ipChanges } from '../../../domain/runbooks/results.js';
import * as workflows from '../../../workflows/index.js';

describe('progress', () => {
  const a = { id: 'a', title: 'Step A' };
  const b = { id: 'b', title: 'Step B' };

  it('tracks status, times, the current step and what it waits for', () => {
    let p = plannedProgress('restart-controller', 'lab', [a, b]);
    expect(p.steps.map((s) => s.status)).toEqual(['pending', 'pending']);
    p = startStep(p, a, '2026-01-01T00:00:00.000Z', 'the rollout');
    expect(p.current).toBe('a');
    expect(p.steps[0]).toMatchObject({ status: 'running', waitingFor: 'the rollout' });
    p = finishStep(p, 'a', '2026-01-01T00:00:01.500Z', 'ok');
    expect(p.current).toBeNull();
    expect(stepElapsedMs(p.steps[0]!, '2026-01-01T00:01:00.000Z')).toBe(1500);
    p = failStep(startStep(p, b, '2026-01-01T00:00:02.000Z', null), 'b', '2026-01-01T00:00:03.000Z', 'boom');
    expect(p.steps[1]).toMatchObject({ status: 'failed', detail: 'boom' });
  });

  it('appends steps that were not planned (compensation) and marks skipped ones', () => {
    let p = plannedProgress('reapply-config', 'lab', [a]);
    p = startStep(p, { id: 'restore', title: 'Restore' }, '2026-01-01T00:00:00.000Z', null);
    expect(p.steps.map((s) => s.id)).toEqual(['a', 'restore']);
    expect(skipStep(p, 'a', 'nothing to do').steps[0]).toMatchObject({ status: 'skipped', detail: 'nothing to do' });
  });
});

describe('names', () => {
  it('gives every runbook of a cluster the same workflow id, and each runbook an exported workflow', () => {
    expect(changeWorkflowId('prod')).toBe('metallb-change.prod');
    expect(taskQueueFor('prod')).toBe('metallb-runbooks.prod');
    for (const runbook of RUNBOOKS)
      expect(typeof (workflows as Record<string, unknown>)[workflowTypes[runbook]]).toBe('function');
  });
});

describe('ipChanges', () => {
  it('lists every served Service with its IPs before and after and names the changed ones', () => {
    const f = (key: string, ips: string[], served = true) => ({
      key,
      served,
      ips,
      loadBalancerIP: null,
      annotations: {},
      resourceVersion: '1',
    });
    const changes = ipChanges(
      [f('a/x', ['192.0.2.1']), f('a/y', []), f('a/z', ['192.0.2.9'], false)],
      [f('a/x', ['192.0.2.1']), f('a/y', ['192.0.2.2'])],
    );
    expect(changes).toEqual([
      { service: 'a/x', before: ['192.0.2.1'], after: ['192.0.2.1'] },
      { service: 'a/y', before: [], after: ['192.0.2.2'] },
    ]);
    expect(describeIpChanges(changes)).toEqual(['a/y <none> -> 192.0.2.2']);
  });
});
