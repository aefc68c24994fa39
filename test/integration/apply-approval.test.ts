// apply --approval on the lab: nothing changes until someone other than the requester approves;
// a reject, a timeout, an approval by the requester and a plan drifted by approval time change
// nothing. Two applies never interleave: the second is refused, or queued with --wait.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError, type Client, type Connection, type WorkflowHandle } from '@temporalio/client';
import type { ApplyResult } from '../../domain/runbooks/apply.js';
import { ChangeAlreadyRunning, startWhenFree } from '../../client/commands/fix-start.js';
import { approveUpdate, planQuery, rejectUpdate } from '../../workflows/messages.js';
import { applyInput, l2, poolA, startApply } from './apply-helpers.js';
import {
  allServiceIps,
  closeRunbookSession,
  configSpecs,
  deleteAllMetallbConfig,
  expectClusterClean,
  finish,
  openRunbookSession,
  removeNamespace,
  type RunningWorker,
} from './fix-helpers.js';
import { createPool, createServedPool, eventually, uniqueName } from './helpers.js';

const widened = [poolA(['192.0.2.0/28']), l2('ap-l2', ['ap-a'])];

async function atGate(handle: WorkflowHandle): Promise<void> {
  await eventually(
    'the run to wait for approval',
    async () => ((await handle.query(planQuery)).approval.status === 'waiting' ? true : undefined),
    { timeoutMs: 30_000 },
  );
}

describe('apply --approval on the lab', () => {
  let worker: RunningWorker;
  let client: Client;
  let connection: Connection;
  let ns: string;

  beforeAll(async () => {
    ({ worker, client, connection } = await openRunbookSession());
  });
  beforeEach(async () => {
    ns = uniqueName('apply-gate');
    await createServedPool({
      namespace: ns,
      pool: 'ap-a',
      addresses: ['192.0.2.0/29'],
      advertisement: 'ap-l2',
      services: ['s1', 's2'],
    });
  });
  afterEach(async () => {
    await removeNamespace(ns);
  });
  afterAll(async () => {
    await closeRunbookSession({ worker, client, connection });
    await deleteAllMetallbConfig();
  });

  it('nothing changes until approved; the requester cannot approve; another identity can', async () => {
    const specs = await configSpecs();
    const ips = await allServiceIps();
    const handle = await startApply(client, { desired: widened, approvalSeconds: 120 });
    await atGate(handle);
    const planned = await handle.query(planQuery);
    expect(planned.plan?.steps.map((step) => step.action)).toEqual(['update']);
    expect(await configSpecs()).toEqual(specs);
    const self = await handle
      .executeUpdate(approveUpdate, { args: [{ approver: 'integration-test' }] })
      .catch((error: unknown) => error);
    expect(self).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(await configSpecs()).toEqual(specs);
    await handle.executeUpdate(approveUpdate, { args: [{ approver: 'reviewer' }] });
    const run = await finish(handle, 'apply-approved');
    expect(run.failure).toBeUndefined();
    expect((run.result as ApplyResult).approvedBy).toBe('reviewer');
    expect((await configSpecs())['ipaddresspools/ap-a']?.spec).toMatchObject({ addresses: ['192.0.2.0/28'] });
    expect(await allServiceIps()).toEqual(ips);
    await expectClusterClean();
  });

  it('a reject ends the run with nothing changed', async () => {
    const specs = await configSpecs();
    const handle = await startApply(client, { desired: widened, approvalSeconds: 120 });
    await atGate(handle);
    await handle.executeUpdate(rejectUpdate, { args: [{ rejecter: 'reviewer', reason: 'freeze' }] });
    const run = await finish(handle, 'apply-rejected');
    expect(run.failure).toContain('rejected by reviewer: freeze');
    expect(await configSpecs()).toEqual(specs);
  });

  it('nobody deciding in time rejects, with nothing changed', async () => {
    const specs = await configSpecs();
    const run = await finish(
      await startApply(client, { desired: widened, approvalSeconds: 3 }),
      'apply-approval-timeout',
    );
    expect(run.failure).toContain('nobody approved the change within 3s');
    expect(await configSpecs()).toEqual(specs);
  });

  it('a plan that drifted while it waited for approval is refused at approval, nothing written', async () => {
    const handle = await startApply(client, { desired: widened, approvalSeconds: 120 });
    await atGate(handle);
    await createPool('ap-sneaked-in', ['198.51.100.0/28']);
    const specs = await configSpecs();
    await handle.executeUpdate(approveUpdate, { args: [{ approver: 'reviewer' }] });
    const run = await finish(handle, 'apply-drifted');
    expect(run.failure).toContain('the live MetalLB config changed since the plan was made');
    expect(await configSpecs()).toEqual(specs);
  });

  it('two applies never interleave: the second is refused, or waits with --wait and runs after', async () => {
    const first = await startApply(client, { desired: widened, approvalSeconds: 120 });
    await atGate(first);
    const refused = await startApply(client, { desired: widened }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ChangeAlreadyRunning);
    expect((refused as Error).message).toContain('apply requested by integration-test');
    let waited = 0;
    const queued = startWhenFree(client, { runbook: 'apply', input: applyInput({ desired: widened }) }, () => waited++);
    await eventually('the second apply to wait', () => (waited > 0 ? true : undefined));
    await first.executeUpdate(approveUpdate, { args: [{ approver: 'reviewer' }] });
    const firstRun = await finish(first, 'apply-exclusive-first');
    expect(firstRun.failure).toBeUndefined();
    const second = await queued;
    const secondRun = await finish(
      client.workflow.getHandle(second.workflowId, second.firstExecutionRunId),
      'apply-exclusive-second',
    );
    expect(secondRun.failure).toBeUndefined();
    // The second planned after the first had applied: nothing left to change.
    expect((secondRun.result as ApplyResult).summary).toBe('the cluster already matches the files: nothing to change');
    const firstEnded = Date.parse(firstRun.progress.steps.at(-1)!.endedAt!);
    expect(Date.parse(secondRun.progress.steps[0]!.startedAt!)).toBeGreaterThanOrEqual(firstEnded);
  });
});
