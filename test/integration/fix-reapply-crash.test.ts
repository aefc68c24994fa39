import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { type Client, type Connection, type WorkflowHandle } from '@temporalio/client';
import { eventually, killAndRestartTemporal, temporalClient, uniqueName } from './helpers.js';
import {
  allServiceIps,
  buildFullConfig,
  configSpecs,
  expectClusterClean,
  finish,
  killHard,
  leftoverPins,
  progressOf,
  deleteAllMetallbConfig,
  spawnCliWorker,
  start,
  waitForStep,
  removeNamespace,
} from './fix-helpers.js';
import { inNamespace, recordOf, recordedIps } from './audit-check.js';

/** The run left one record: succeeded, every object deleted and re-created, each Service's IPs as observed. */
async function expectCompleteRecord(handle: WorkflowHandle, ips: Record<string, string[]>, ns: string): Promise<void> {
  const record = await recordOf(handle.workflowId, (await handle.describe()).runId);
  expect(record.outcome).toBe('succeeded');
  expect(record.diff.filter((entry) => entry.action === 'create')).toHaveLength(7);
  expect(inNamespace(recordedIps(record, 'before'), ns)).toEqual(inNamespace(ips, ns));
  expect(inNamespace(recordedIps(record, 'after'), ns)).toEqual(inNamespace(ips, ns));
  expect(record.steps.map((step) => step.id)).toContain('delete-config');
}

/** Worker identities that completed workflow tasks: more than one means another worker took over. */
function workerIdentities(history: string): string[] {
  const events = (JSON.parse(history) as { events: { workflowTaskCompletedEventAttributes?: { identity?: string } }[] })
    .events;
  return [
    ...new Set(
      events.flatMap((e) =>
        e.workflowTaskCompletedEventAttributes?.identity ? [e.workflowTaskCompletedEventAttributes.identity] : [],
      ),
    ),
  ];
}

async function expectRestoredExactly(
  before: { ips: Record<string, string[]>; specs: Awaited<ReturnType<typeof configSpecs>> },
  ns: string,
) {
  const specs = await configSpecs();
  expect(Object.keys(specs)).toEqual(Object.keys(before.specs));
  for (const [key, { spec }] of Object.entries(specs)) expect(spec, key).toEqual(before.specs[key]!.spec);
  expect(await allServiceIps()).toEqual(before.ips);
  expect(await leftoverPins(ns)).toEqual([]);
  await expectClusterClean();
}

describe('reapply-config --recreate survives crashes', () => {
  let ns: string;
  const children: ChildProcess[] = [];
  let connection: Connection;
  let client: Client;

  beforeEach(async () => {
    ns = uniqueName('fix-crash');
    await deleteAllMetallbConfig();
    await buildFullConfig(ns);
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

  it('the worker is SIGKILLed right after the delete step; a new worker finishes, objects and IPs back', async () => {
    const before = { ips: await allServiceIps(), specs: await configSpecs() };
    children.push(await spawnCliWorker());
    const handle = await start(client, 'reapply-config', { mode: 'recreate' });
    const atKill = await waitForStep(handle, 'delete-config', 'done');
    expect(atKill.phase).toBe('running');
    await killHard(children[0]!);
    console.log(`[crash] worker killed with SIGKILL while step ${atKill.current ?? '(between steps)'} ran`);
    children.push(await spawnCliWorker());
    const run = await finish(handle, 'reapply-config-recreate-worker-killed');
    expect(run.failure).toBeUndefined();
    expect(workerIdentities(run.history).length).toBeGreaterThanOrEqual(2);
    await expectRestoredExactly(before, ns);
    await expectCompleteRecord(handle, before.ips, ns);
  });

  it('the Temporal server is SIGKILLed mid-workflow and restarted; the run resumes from its history', async () => {
    const before = { ips: await allServiceIps(), specs: await configSpecs() };
    children.push(await spawnCliWorker());
    const handle: WorkflowHandle = await start(client, 'reapply-config', { mode: 'recreate' });
    const { workflowId, runId } = await handle.describe();
    expect((await waitForStep(handle, 'delete-config', 'done')).phase).toBe('running');
    const seconds = await killAndRestartTemporal();
    await connection.close().catch(() => undefined);
    console.log(`[crash] Temporal server restarted in ${seconds.toFixed(1)}s`);
    ({ client, connection } = await temporalClient());
    const resumed = client.workflow.getHandle(workflowId, runId);
    await eventually(
      'the resumed run to report progress',
      async () => (await progressOf(resumed))?.phase === 'completed' || undefined,
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    const run = await finish(resumed, 'reapply-config-recreate-server-killed');
    expect(run.failure).toBeUndefined();
    expect(run.result!.summary).toBe('re-created 7 MetalLB object(s); no healthy Service changed its IP');
    await expectRestoredExactly(before, ns);
    await expectCompleteRecord(resumed, before.ips, ns);
  });
});
