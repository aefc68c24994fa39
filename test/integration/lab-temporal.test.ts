import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { Worker, NativeConnection, bundleWorkflowCode } from '@temporalio/worker';
import { WorkflowNotFoundError } from '@temporalio/client';
import { lab, temporalClient, uniqueName, eventually } from './helpers.js';
import { labUp } from '../../lab/lab.js';
import { stopDaemon, runningDaemon } from '../../lab/processes.js';

describe('the lab Temporal server', () => {
  it('runs a workflow through a worker and keeps its history across a server restart', async () => {
    const record = lab();
    const taskQueue = uniqueName('lab-smoke');
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./workflows/smoke.ts', import.meta.url)),
      logger: {
        log: () => undefined,
        trace: () => undefined,
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      },
    });
    const connection = await NativeConnection.connect({ address: record.temporalAddress });
    const worker = await Worker.create({
      connection,
      namespace: record.temporalNamespace,
      taskQueue,
      workflowBundle,
      activities: { describeLab: async () => `lab ${record.name}` },
    });
    const workflowId = uniqueName('smoke');
    const { client, connection: clientConnection } = await temporalClient();
    const result = await worker.runUntil(
      client.workflow.execute('smokeWorkflow', { taskQueue, workflowId, args: ['hello'] }),
    );
    expect(result).toBe(`hello from lab ${record.name}`);
    await clientConnection.close();
    await connection.close();

    // Stop the server process (SQLite file stays), start it again, and read the same history.
    const before = runningDaemon(record.stateDir, 'temporal')!;
    await stopDaemon(record.stateDir, 'temporal');
    expect(runningDaemon(record.stateDir, 'temporal')).toBeUndefined();
    await labUp({ name: record.name }, () => undefined);
    const after = runningDaemon(record.stateDir, 'temporal')!;
    expect(after.pid).not.toBe(before.pid);
    const { client: again, connection: againConnection } = await temporalClient();
    const history = await eventually(
      'the workflow history after restart',
      async () => {
        try {
          return await again.workflow.getHandle(workflowId).fetchHistory();
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) throw error;
          return undefined;
        }
      },
      { timeoutMs: 30_000 },
    );
    const types = (history.events ?? []).map((e) => e.eventType);
    expect(types.length).toBeGreaterThanOrEqual(8);
    expect((await again.workflow.getHandle(workflowId).describe()).status.name).toBe('COMPLETED');
    expect(await again.workflow.getHandle(workflowId).result()).toBe(`hello from lab ${record.name}`);
    await againConnection.close();
  });
});
