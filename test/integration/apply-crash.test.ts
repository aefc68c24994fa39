// apply survives its worker: SIGKILLed right after a write, before the wait for the controller
// finishes, a new worker takes the run over from its history and the change completes; the
// cluster is never left half-applied.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import type { Client, Connection } from '@temporalio/client';
import type { ApplyResult } from '../../domain/runbooks/apply.js';
import { l2, poolA, startApply } from './apply-helpers.js';
import {
  allServiceIps,
  configSpecs,
  deleteAllMetallbConfig,
  expectClusterClean,
  finish,
  killHard,
  removeNamespace,
  spawnCliWorker,
  waitForStep,
} from './fix-helpers.js';
import { inNamespace, recordOf, recordedIps } from './audit-check.js';
import { createServedPool, temporalClient, uniqueName } from './helpers.js';

describe('apply survives a worker crash', () => {
  let ns: string;
  const children: ChildProcess[] = [];
  let connection: Connection;
  let client: Client;

  beforeEach(async () => {
    ns = uniqueName('apply-crash');
    await createServedPool({
      namespace: ns,
      pool: 'ap-a',
      addresses: ['192.0.2.0/29'],
      advertisement: 'ap-l2',
      services: ['s1', 's2'],
    });
    ({ client, connection } = await temporalClient());
  });
  afterEach(async () => {
    for (const child of children.splice(0)) await killHard(child);
    await connection?.close().catch(() => undefined);
    await removeNamespace(ns);
  });
  afterAll(async () => {
    await deleteAllMetallbConfig();
  });

  it('the worker is SIGKILLed after the first write; a new worker completes the change', async () => {
    const ips = await allServiceIps();
    children.push(await spawnCliWorker());
    const desired = [poolA(['192.0.2.0/28']), l2('ap-l2', ['ap-a']), l2('ap-l2-b', ['ap-a'])];
    const handle = await startApply(client, { desired });
    const atKill = await waitForStep(handle, 'write-step-1', 'done');
    await killHard(children[0]!);
    console.log(`[crash] worker killed with SIGKILL while ${atKill.current ?? '(between steps)'} ran`);
    expect(atKill.phase).toBe('running');
    children.push(await spawnCliWorker());
    const run = await finish(handle, 'apply-worker-killed');
    expect(run.failure).toBeUndefined();
    expect((run.result as ApplyResult).steps.map((step) => [step.target, step.outcome])).toEqual([
      ['L2Advertisement/ap-l2-b', 'created'],
      ['IPAddressPool/ap-a', 'updated'],
    ]);
    const specs = await configSpecs();
    expect(specs['ipaddresspools/ap-a']?.spec).toMatchObject({ addresses: ['192.0.2.0/28'] });
    expect(Object.keys(specs)).toContain('l2advertisements/ap-l2-b');
    expect(await allServiceIps()).toEqual(ips);
    await expectClusterClean();
    // One complete record, though the run was carried by two workers.
    const record = await recordOf(handle.workflowId, (await handle.describe()).runId);
    expect(record.outcome).toBe('succeeded');
    expect(record.diff.map((entry) => [entry.object, entry.action])).toEqual([
      ['L2Advertisement/ap-l2-b', 'create'],
      ['IPAddressPool/ap-a', 'update'],
    ]);
    expect(inNamespace(recordedIps(record, 'before'), ns)).toEqual(inNamespace(ips, ns));
    expect(inNamespace(recordedIps(record, 'after'), ns)).toEqual(inNamespace(ips, ns));
    expect(record.steps.filter((step) => step.id === 'write-step-1')).toHaveLength(1);
  });
});
