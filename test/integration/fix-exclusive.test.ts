import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, Connection } from '@temporalio/client';
import { changeWorkflowId } from '../../domain/runbooks/names.js';
import { eventually } from './helpers.js';
import {
  cluster,
  finish,
  deleteAllMetallbConfig,
  root,
  startRunbookAs,
  waitForStep,
  type RunningWorker,
  labCliArgs,
  holdSpeakerVerification,
  releaseSpeakerVerification,
} from './fix-helpers.js';
import { closeRunbookSession, openRunbookSession } from './fix-helpers.js';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], onStdout?: (text: string) => void): Promise<CliRun> {
  const child = spawn(process.execPath, labCliArgs(['fix', ...args]), {
    cwd: root,
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => {
    out.stdout += d.toString();
    onStdout?.(out.stdout);
  });
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, ...out })));
}

describe('one mutating runbook per cluster', () => {
  let worker: RunningWorker;
  let client: Client;
  let connection: Connection;

  beforeAll(async () => {
    await deleteAllMetallbConfig();
    ({ worker, client, connection } = await openRunbookSession());
  });

  afterAll(async () => {
    await releaseSpeakerVerification();
    await closeRunbookSession({ worker, connection });
  });

  it('refuses a second runbook with a one-line message naming the running one, or queues it with --wait', async () => {
    await holdSpeakerVerification();
    const first = await startRunbookAs(client, 'restart-speakers', 'alice');
    await waitForStep(first, 'verify-logs', 'running');
    const running = await first.describe();

    const refused = await cli(['restart-controller', '--requested-by', 'bob']);
    expect(refused.code).toBe(3);
    const startedAt = (running.memo as { startedAt: string }).startedAt;
    expect(refused.stderr.trim()).toBe(
      `metallb-runbooks: refused: cluster ${cluster} already has a change running: restart-speakers requested by alice at ${startedAt} (workflow ${changeWorkflowId(cluster)}, run ${running.runId}); wait for it with --wait`,
    );
    expect((await first.describe()).status.name).toBe('RUNNING');

    let waitingShown = false;
    const queued = cli(
      ['restart-controller', '--wait', '--requested-by', 'bob'],
      (text) => (waitingShown ||= text.includes('waiting for restart-speakers (requested by alice')),
    );
    await eventually('the queued CLI to say what it waits for', () => waitingShown || undefined, { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 1000));
    expect((await first.describe()).status.name).toBe('RUNNING');
    await releaseSpeakerVerification();

    const done = await queued;
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    const firstRun = await finish(first, 'restart-speakers-held');
    expect(firstRun.failure).toBeUndefined();
    const lines = done.stdout.split('\n');
    const waitLine = lines.findIndex((l) => l.startsWith('waiting for restart-speakers'));
    const startLine = lines.findIndex((l) => l.startsWith('started restart-controller'));
    expect(waitLine).toBeGreaterThanOrEqual(0);
    expect(startLine).toBeGreaterThan(waitLine);
    expect(done.stdout).toMatch(/✓ Wait for the controller rollout \d+\.\ds/);
    const second = await client.workflow.getHandle(changeWorkflowId(cluster)).describe();
    expect(second.memo).toMatchObject({ runbook: 'restart-controller', requestedBy: 'bob' });
    expect(second.startTime.getTime()).toBeGreaterThanOrEqual((await first.describe()).closeTime!.getTime());
  });

  it('--no-wait returns right after the start; the run finishes on the worker', async () => {
    const t0 = Date.now();
    const result = await cli(['restart-speakers', '--no-wait']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`started restart-speakers on cluster ${cluster}`);
    expect(result.stdout).not.toContain('✓');
    const handle = client.workflow.getHandle(changeWorkflowId(cluster));
    await handle.result();
    console.log(`[cli] --no-wait returned after ${Date.now() - t0} ms`);
  });
});
