// `fix` needs a worker: with none polling the cluster's queue it refuses at once (exit 2, no workflow); with a
// worker that has just stopped, the run nobody takes is ended (exit 2, the cluster is free again); with a worker it
// runs, bounded by --timeout, and links the lab's Temporal UI when `lab env` was evaluated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { WorkflowNotFoundError, type Client, type Connection } from '@temporalio/client';
import { changeWorkflowId } from '../../domain/runbooks/names.js';
import { lab, labClients, temporalClient } from './helpers.js';
import { cliEnv, ownCluster, root, runCli, startCliWorker, type OwnCluster } from './cli-helpers.js';

let client: Client;
let connection: Connection;
const clusters: OwnCluster[] = [];

beforeAll(async () => {
  ({ client, connection } = await temporalClient());
});
afterAll(async () => {
  clusters.forEach((cluster) => cluster.remove());
  await connection.close();
});

function newCluster(prefix: string): OwnCluster {
  const cluster = ownCluster(prefix);
  clusters.push(cluster);
  return cluster;
}

async function controllerRestartedAt(): Promise<string | undefined> {
  const { apps, namespace } = labClients();
  const deployment = await apps.readNamespacedDeployment({ name: 'controller', namespace });
  return deployment.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'];
}

/** `eval "$(npm run -s lab -- env)"` as a user does: the export lines of this lab, as an environment. */
function labEnvExports(): Record<string, string> {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'lab/cli.ts', 'env'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, METALLB_LAB: lab().name },
  });
  expect(result.status).toBe(0);
  return Object.fromEntries(
    result.stdout
      .split('\n')
      .filter((line) => line.startsWith('export '))
      .map((line) => line.slice('export '.length).split(/=(.*)/s).slice(0, 2) as [string, string]),
  );
}

describe('fix and the worker that must run it', () => {
  it.each([[[]], [['--no-wait']], [['--wait']]])(
    'no worker polls the queue: refused on one line naming the worker command, exit 2, no workflow (%j)',
    async (flags) => {
      const cluster = newCluster('cli-noworker');
      const before = await controllerRestartedAt();
      const { status, stdout, stderrLines } = runCli(
        ['fix', 'restart-controller', '--context', cluster.context, ...flags],
        cliEnv(cluster),
      );
      expect(stderrLines).toHaveLength(1);
      expect(stderrLines[0]).toContain(`no worker polls task queue metallb-runbooks.${cluster.context}`);
      expect(stderrLines[0]).toContain(`metallb-runbooks worker --context ${cluster.context}`);
      expect(stdout).toBe('');
      expect(status).toBe(2);
      await expect(client.workflow.getHandle(changeWorkflowId(cluster.context)).describe()).rejects.toBeInstanceOf(
        WorkflowNotFoundError,
      );
      expect(await controllerRestartedAt()).toBe(before);
    },
  );

  it('a worker that stopped moments ago still shows as a poller: the run it cannot take is ended, exit 2', async () => {
    const cluster = newCluster('cli-stopped');
    const worker = await startCliWorker(cluster);
    worker.process.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    const before = await controllerRestartedAt();
    const { status, stderrLines } = runCli(
      ['fix', 'restart-controller', '--context', cluster.context, '--no-wait'],
      cliEnv(cluster, { METALLB_RUNBOOKS_PICKUP_TIMEOUT_MS: '3000' }),
    );
    expect(stderrLines).toHaveLength(1);
    expect(stderrLines[0]).toContain('no worker took this run up within 3s');
    expect(status).toBe(2);
    const description = await client.workflow.getHandle(changeWorkflowId(cluster.context)).describe();
    expect(description.status.name).toBe('TERMINATED');
    expect(await controllerRestartedAt()).toBe(before);
  });

  it('with a worker: --no-wait returns once it took the run, which completes within its --timeout bound', async () => {
    const cluster = newCluster('cli-worker');
    const worker = await startCliWorker(cluster);
    // Compiled, the worker loads the bundle `npm run build` made instead of running webpack at start.
    expect(worker.output()).toContain('workflows: prebuilt bundle');
    try {
      const before = await controllerRestartedAt();
      const labExports = labEnvExports();
      expect(labExports.TEMPORAL_UI_URL).toBe(lab().temporalUi);
      const { status, stdout, stderrLines } = runCli(
        ['fix', 'restart-controller', '--context', cluster.context, '--no-wait', '--timeout', '10m'],
        cliEnv(cluster, { TEMPORAL_UI_URL: labExports.TEMPORAL_UI_URL! }),
      );
      expect(stderrLines).toEqual([]);
      expect(status).toBe(0);
      const handle = client.workflow.getHandle(changeWorkflowId(cluster.context));
      const { runId } = await handle.describe();
      expect(stdout).toContain(
        `Temporal UI: ${lab().temporalUi}/namespaces/${lab().temporalNamespace}/workflows/` +
          `${encodeURIComponent(changeWorkflowId(cluster.context))}/${runId}/history`,
      );
      await handle.result();
      const description = await handle.describe();
      expect(description.status.name).toBe('COMPLETED');
      expect(Number(description.raw.executionConfig?.workflowExecutionTimeout?.seconds)).toBe(600);
      expect(await controllerRestartedAt()).not.toBe(before);
    } finally {
      worker.process.kill('SIGTERM');
      await worker.exited;
    }
  });
});
