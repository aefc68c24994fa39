// The executor's pin / swap / unpin on the real controller, with a hand-written plan through the
// documented test-only seam (testPlanSteps, honoured only by a worker with
// METALLB_RUNBOOKS_TEST_SEAMS=1): rename a pool in use. Old pool deleted and new one created back
// to back (followedImmediately), the Services pinned across the swap: every Service ends with its
// old IP. The real planner's own rename plans are tested by the lead once it is merged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, Connection } from '@temporalio/client';
import type { PlanStep } from '../../domain/plan/types.js';
import type { ApplyChangeInput, ApplyResult } from '../../domain/runbooks/apply.js';
import { applyInput, desired, finishWatched, l2 } from './apply-helpers.js';
import {
  allServiceIps,
  closeRunbookSession,
  configSpecs,
  deleteAllMetallbConfig,
  expectClusterClean,
  leftoverPins,
  openRunbookSession,
  removeNamespace,
  serviceIps,
  type RunningWorker,
} from './fix-helpers.js';
import { createServedPool, lab, uniqueName } from './helpers.js';
import { startRunbook } from '../../client/commands/fix-start.js';

describe('apply executes a pin / swap / unpin plan on the real controller', () => {
  let worker: RunningWorker;
  let client: Client;
  let connection: Connection;
  const ns = uniqueName('apply-swap');
  const seam = process.env.METALLB_RUNBOOKS_TEST_SEAMS;

  beforeAll(async () => {
    process.env.METALLB_RUNBOOKS_TEST_SEAMS = '1';
    ({ worker, client, connection } = await openRunbookSession());
    await createServedPool({
      namespace: ns,
      pool: 'ap-a',
      addresses: ['192.0.2.0/29'],
      advertisement: 'ap-l2',
      services: ['s1', 's2'],
    });
  });
  afterAll(async () => {
    await closeRunbookSession({ worker, client, connection });
    if (seam === undefined) delete process.env.METALLB_RUNBOOKS_TEST_SEAMS;
    else process.env.METALLB_RUNBOOKS_TEST_SEAMS = seam;
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
  });

  it('renames a pool in use: pinned across the swap, every Service keeps its IP, pins removed', async () => {
    const before = await allServiceIps();
    const pins = await Promise.all(
      ['s1', 's2'].map(async (name) => ({ namespace: ns, name, ips: await serviceIps(ns, name) })),
    );
    const poolB = desired('IPAddressPool', 'ap-b', { addresses: ['192.0.2.0/29'] });
    const advertisement = l2('ap-l2', ['ap-b']);
    const steps: PlanStep[] = [
      { action: 'pin-services', pins, why: 'hold the IPs across the rename' },
      { action: 'delete', kind: 'IPAddressPool', name: 'ap-a', why: 'rename: old name', followedImmediately: true },
      {
        action: 'create',
        kind: 'IPAddressPool',
        name: 'ap-b',
        manifest: poolB.manifest,
        why: 'rename: new name',
        followedImmediately: true,
      },
      {
        action: 'update',
        kind: 'L2Advertisement',
        name: 'ap-l2',
        manifest: advertisement.manifest,
        why: 'announce the new name',
      },
      { action: 'unpin-services', pins, why: 'release the pins' },
    ];
    const input: ApplyChangeInput = {
      ...applyInput({ desired: [poolB, advertisement], prune: { all: true } }),
      testPlanSteps: steps,
    };
    // No Service ever held another IP: at most it lost its own for a moment and got it back.
    const run = await finishWatched(async () => {
      const started = await startRunbook(client, { runbook: 'apply', input });
      return client.workflow.getHandle(started.workflowId, started.firstExecutionRunId);
    }, 'apply-rename-swap');
    expect(run.failure).toBeUndefined();
    expect((run.result as ApplyResult).steps.map((step) => [step.index, step.action, step.outcome])).toEqual([
      [1, 'pin-services', 'pinned (2, 0 skipped)'],
      [2, 'delete', 'deleted'],
      [3, 'create', 'created'],
      [4, 'update', 'updated'],
      [5, 'unpin-services', 'unpinned (2)'],
    ]);
    // One write group for the swap: written back to back, waited for once.
    expect(run.progress.steps.map((step) => step.id)).toContain('wait-processed-2');
    expect(run.progress.steps.map((step) => step.id)).not.toContain('wait-processed-3');
    expect(await allServiceIps()).toEqual(before);
    expect(await leftoverPins(ns)).toEqual([]);
    const specs = await configSpecs();
    expect(Object.keys(specs)).toEqual(expect.arrayContaining(['ipaddresspools/ap-b', 'l2advertisements/ap-l2']));
    expect(Object.keys(specs)).not.toContain('ipaddresspools/ap-a');
    await expectClusterClean();
    expect(lab().namespace).toBe('metallb-system');
  });
});
