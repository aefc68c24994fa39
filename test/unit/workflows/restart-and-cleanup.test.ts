// restart-controller, restart-speakers and cleanup-orphans on stub activities: refusals, partial
// failures, and final checks scoped to what the run touched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowFailedError } from '@temporalio/client';
import type { OrphanPlan } from '../../../domain/runbooks/orphans.js';
import { facts, service } from './stub-activities.js';
import { namesOf, openTestBed, runWorkflow, type WorkflowTestBed } from './workflow-env.js';

const failureOf = (error: Error | undefined) => (error as WorkflowFailedError).cause as ApplicationFailure;

const orphan: OrphanPlan = {
  service: 'shop/stray',
  reasons: ['spec.loadBalancerIP requests 198.51.100.200, which no IPAddressPool can serve'],
  removeLoadBalancerIP: true,
  removeAnnotations: [],
  clearIngress: false,
  ips: [],
};

describe('restart and cleanup runbooks on stub activities', () => {
  let bed: WorkflowTestBed;
  beforeAll(async () => {
    bed = await openTestBed();
  });
  afterAll(async () => {
    await bed?.env.teardown();
  });

  it('restart-controller: allocation errors in the new log are reported, the run succeeds', async () => {
    const line = 'allocation-failure: ["198.51.100.200"] is not allowed in config';
    const run = await runWorkflow(
      bed,
      'restartController',
      {},
      {
        stubs: { checkControllerLog: async () => [{ pod: 'new-pod', lines: 12, allocationErrors: [line] }] },
      },
    );
    expect(run.error).toBeUndefined();
    expect(run.result!.checks).toContain(`new-pod logged (reported, not failed on): ${line}`);
    expect(namesOf(run.calls)).toEqual([
      'findMetallbWorkloads',
      'readClusterFacts',
      'restartWorkload',
      'waitForRolloutComplete',
      'checkControllerLog',
      'waitForServiceIpsInPools',
    ]);
  });

  it('restart-controller: the final check requires every Service that held an IP to keep one', async () => {
    const run = await runWorkflow(bed, 'restartController', {});
    const check = run.calls.find((c) => c.name === 'waitForServiceIpsInPools')?.input;
    expect(check).toMatchObject({
      mustHaveIp: [],
      mustKeepIp: [
        { service: 'shop/web', ips: ['192.0.2.1'] },
        { service: 'shop/api', ips: ['192.0.2.2'] },
      ],
    });
  });

  it('restart-speakers: a refused restart (OnDelete) stops before any wait', async () => {
    const refusal = 'DaemonSet metallb-system/speaker uses updateStrategy OnDelete: nothing was changed';
    const run = await runWorkflow(
      bed,
      'restartSpeakers',
      {},
      {
        stubs: { restartWorkload: () => Promise.reject(ApplicationFailure.nonRetryable(refusal, 'RestartRefused')) },
      },
    );
    expect(namesOf(run.calls)).toEqual(['findMetallbWorkloads', 'readClusterFacts', 'restartWorkload']);
    expect(failureOf(run.error).type).toBe('RestartRefused');
    expect(failureOf(run.error).message).toBe(`Restart the speakers (rollout-restart annotation): ${refusal}`);
  });

  it('restart-speakers: a rollout that never completes fails at the wait, with no verification after', async () => {
    const run = await runWorkflow(
      bed,
      'restartSpeakers',
      {},
      {
        stubs: {
          waitForRolloutComplete: () =>
            Promise.reject(ApplicationFailure.nonRetryable('timed out', 'DeadlineExceeded')),
        },
      },
    );
    expect(namesOf(run.calls).at(-1)).toBe('waitForRolloutComplete');
    expect(failureOf(run.error).message).toBe('Wait for the speakers rollout: timed out');
  });

  it('cleanup-orphans with no orphan: skips the writes, checks only that no Service lost its IP', async () => {
    const run = await runWorkflow(bed, 'cleanupOrphans', { services: [] });
    expect(run.result!.summary).toBe('no orphaned Service found; nothing changed');
    expect(namesOf(run.calls)).toEqual(['findMetallbWorkloads', 'findOrphanedServices', 'waitForServiceIpsInPools']);
  });

  it('cleanup-orphans of one orphan: releases, waits for it only, leaves another orphan to the report', async () => {
    const before = [...facts.services, service('shop/stray', []), service('shop/ghost', ['203.0.113.77'])];
    const after = [...facts.services, service('shop/stray', ['192.0.2.3']), service('shop/ghost', ['203.0.113.77'])];
    const run = await runWorkflow(
      bed,
      'cleanupOrphans',
      { services: ['shop/stray'] },
      {
        stubs: {
          findOrphanedServices: async () => ({ orphans: [orphan], before }),
          releaseServiceRequest: async () => ({ service: 'shop/stray', removed: ['spec.loadBalancerIP'] }),
          waitForServiceIpsInPools: async () => after,
        },
      },
    );
    expect(run.error).toBeUndefined();
    expect(namesOf(run.calls)).toEqual([
      'findMetallbWorkloads',
      'findOrphanedServices',
      'releaseServiceRequest',
      'waitForServiceIpsInPools',
      'waitForServiceIpsInPools',
    ]);
    const [placed, verified] = run.calls.filter((c) => c.name === 'waitForServiceIpsInPools').map((c) => c.input);
    expect(placed).toMatchObject({ mustHaveIp: ['shop/stray'] });
    expect(placed).not.toHaveProperty('mustKeepIp');
    expect(verified).toMatchObject({ mustHaveIp: ['shop/stray'] });
    expect(run.result!.changes).toEqual(['shop/stray: removed spec.loadBalancerIP']);
    expect(run.result!.summary).toContain('shop/stray <none> -> 192.0.2.3');
  });
});
