// apply's branches on stub activities: the order of the steps, the approval gate (approve,
// reject, timeout, self-approval, drift at approval), rollback after a failed step or a failed
// check, child restarts on new component errors, and pin/swap/unpin groups written back to back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { PlanStep } from '../../../domain/plan/types.js';
import type { ApplyResult } from '../../../domain/runbooks/apply.js';
import { approveUpdate, planQuery, rejectUpdate } from '../../../workflows/messages.js';
import { applyPlanSteps, planOf } from './stub-activities.js';
import { namesOf, openTestBed, runWorkflow, type WorkflowTestBed } from './workflow-env.js';

const input = { desired: [], prune: null, allowIpChanges: false, approval: null };
const withApproval = (timeoutSeconds = 60) => ({ ...input, approval: { timeoutSeconds } });
const writes = ['writeConfigObject', 'deleteConfigObject', 'restoreConfigObject', 'pinServiceIps'];
const healthy = { controllerErrors: [], speakerProblems: [], newFindings: [] };

function rootCause(error: unknown): Error | undefined {
  let current = error instanceof WorkflowFailedError ? error.cause : (error as Error | undefined);
  while (current?.cause instanceof Error && !(current instanceof CancelledFailure)) current = current.cause;
  return current;
}

const typeOf = (error: unknown) =>
  error instanceof WorkflowFailedError ? (error.cause as ApplicationFailure).type : null;

async function waitingForApproval(handle: WorkflowHandle): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    const planned = await handle.query(planQuery).catch(() => undefined);
    if (planned?.approval.status === 'waiting') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the run never reached its approval gate');
}

/** Stubs that answer the calls in order (the last answer repeats). */
function inTurn<Value>(...answers: Value[]): () => Promise<Value> {
  let call = 0;
  return async () => answers[Math.min(call++, answers.length - 1)]!;
}

describe('apply on stub activities', () => {
  let bed: WorkflowTestBed;
  beforeAll(async () => {
    bed = await openTestBed();
  });
  afterAll(async () => {
    await bed?.env.teardown();
  });

  it('plans live, backs up, then writes, waits for and checks one step at a time, then verifies', async () => {
    const run = await runWorkflow(bed, 'applyChange', input);
    expect(run.error).toBeUndefined();
    const perStep = ['writeConfigObject', 'waitForChangeProcessed', 'waitForServiceIps', 'checkChangeHealth'];
    expect(namesOf(run.calls)).toEqual([
      'findMetallbWorkloads',
      'planLiveChange',
      'readClusterFacts',
      'exportMetallbConfig',
      ...perStep,
      ...perStep,
      'waitForServiceIps',
      'waitForServiceIpsInPools',
    ]);
    const written = run.calls.filter((call) => call.name === 'writeConfigObject').map((call) => call.input);
    expect(written).toMatchObject([
      { action: 'create', entry: { kind: 'L2Advertisement', name: 'l2-b', uid: '' } },
      // The update carries the backed-up object's UID: a re-created object is not overwritten.
      { action: 'update', entry: { kind: 'IPAddressPool', name: 'pool-a' }, backedUp: { uid: 'uid-pool-a' } },
    ]);
    const result = run.result as ApplyResult;
    expect(result.steps.map((step) => [step.index, step.target, step.outcome])).toEqual([
      [1, 'L2Advertisement/l2-b', 'created'],
      [2, 'IPAddressPool/pool-a', 'updated'],
    ]);
    expect(result.steps[1]).toMatchObject({
      before: { addresses: ['192.0.2.0/28'] },
      after: { addresses: ['192.0.2.0/27'] },
    });
    expect(result.services).toEqual([
      { service: 'shop/api', before: ['192.0.2.2'], after: ['192.0.2.2'] },
      { service: 'shop/web', before: ['192.0.2.1'], after: ['192.0.2.1'] },
    ]);
  });

  it('refuses an invalid plan before the backup and before any write', async () => {
    const plan = planOf(applyPlanSteps, {
      valid: false,
      safe: false,
      problems: [
        {
          rule: 'pool-overlap',
          rejectedBy: 'webhook',
          source: null,
          kind: 'IPAddressPool',
          name: 'b',
          field: 'spec.addresses[0]',
          message: 'overlaps with pool a',
        },
      ],
    });
    const run = await runWorkflow(bed, 'applyChange', input, {
      stubs: { planLiveChange: async () => ({ plan, findings: [] }) },
    });
    expect(typeOf(run.error)).toBe('PlanRefused');
    expect(rootCause(run.error)?.message).toContain('IPAddressPool/b spec.addresses[0]: overlaps with pool a');
    expect(namesOf(run.calls)).toEqual(['findMetallbWorkloads', 'planLiveChange']);
  });

  it('refuses desired objects outside the MetalLB namespace without planning', async () => {
    const desired = [{ kind: 'IPAddressPool', name: 'x', namespace: 'default', apiVersion: 'metallb.io/v1beta1' }];
    const run = await runWorkflow(bed, 'applyChange', { ...input, desired });
    expect(typeOf(run.error)).toBe('PlanRefused');
    expect(namesOf(run.calls)).toEqual(['findMetallbWorkloads']);
  });

  it('with nothing to change, completes without a backup or a write', async () => {
    const run = await runWorkflow(bed, 'applyChange', withApproval(), {
      stubs: { planLiveChange: async () => ({ plan: planOf([]), findings: [] }) },
    });
    expect((run.result as ApplyResult).summary).toBe('the cluster already matches the files: nothing to change');
    expect(namesOf(run.calls)).toEqual(['findMetallbWorkloads', 'planLiveChange']);
  });

  it('approval: nothing is written until someone but the requester approves; the plan is checked again', async () => {
    let refusedSelf: unknown;
    const run = await runWorkflow(bed, 'applyChange', withApproval(), {
      whileRunning: async (handle) => {
        await waitingForApproval(handle);
        const planned = await handle.query(planQuery);
        expect(planned.plan?.steps).toHaveLength(2);
        expect(planned.approval).toMatchObject({ status: 'waiting', requestedBy: 'unit-test' });
        refusedSelf = await handle.executeUpdate(approveUpdate, { args: [{ approver: 'unit-test' }] }).catch((e) => e);
        await handle.executeUpdate(approveUpdate, { args: [{ approver: 'alice' }] });
      },
    });
    expect(refusedSelf).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((refusedSelf as Error).cause as Error | undefined)?.message).toContain(
      'unit-test requested this change and cannot approve it',
    );
    expect(run.error).toBeUndefined();
    expect((run.result as ApplyResult).approvedBy).toBe('alice');
    expect(namesOf(run.calls).slice(0, 4)).toEqual([
      'findMetallbWorkloads',
      'planLiveChange',
      'planLiveChange',
      'readClusterFacts',
    ]);
  });

  it('approval: a reject ends the run with nothing written', async () => {
    const run = await runWorkflow(bed, 'applyChange', withApproval(), {
      whileRunning: async (handle) => {
        await waitingForApproval(handle);
        await handle.executeUpdate(rejectUpdate, { args: [{ rejecter: 'bob', reason: 'not during the sale' }] });
      },
    });
    expect(typeOf(run.error)).toBe('ChangeRejected');
    expect(rootCause(run.error)?.message).toContain('rejected by bob: not during the sale');
    expect(namesOf(run.calls).filter((name) => writes.includes(name))).toEqual([]);
  });

  it('approval: a timeout rejects with nothing written', async () => {
    const run = await runWorkflow(bed, 'applyChange', withApproval(1));
    expect(typeOf(run.error)).toBe('ApprovalTimedOut');
    expect(namesOf(run.calls)).toEqual(['findMetallbWorkloads', 'planLiveChange']);
  });

  it('approval: a plan that drifted by the time it is approved is refused with nothing written', async () => {
    const drifted = planOf(applyPlanSteps, { basedOn: 'base-2' });
    const run = await runWorkflow(bed, 'applyChange', withApproval(), {
      stubs: {
        planLiveChange: inTurn({ plan: planOf(applyPlanSteps), findings: [] }, { plan: drifted, findings: [] }),
      },
      whileRunning: async (handle) => {
        await waitingForApproval(handle);
        await handle.executeUpdate(approveUpdate, { args: [{ approver: 'alice' }] });
      },
    });
    expect(typeOf(run.error)).toBe('PlanDrifted');
    expect(namesOf(run.calls).filter((name) => writes.includes(name))).toEqual([]);
  });

  it('a failed step rolls back every written step, last first, and unpins', async () => {
    const rejected = ApplicationFailure.nonRetryable('admission policy denied the request', 'KubeInvalid');
    const run = await runWorkflow(bed, 'applyChange', input, {
      stubs: {
        writeConfigObject: async (request) => {
          if (request.action === 'update') throw rejected;
          return { ref: 'L2Advertisement/l2-b', action: 'created', uid: 'uid-created', at: new Date().toISOString() };
        },
      },
    });
    expect(typeOf(run.error)).toBe('ApplyRolledBack');
    expect(rootCause(run.error)?.message).toContain('admission policy denied the request');
    const rollback = namesOf(run.calls).slice(namesOf(run.calls).lastIndexOf('writeConfigObject') + 1);
    expect(rollback).toEqual([
      'readClusterFacts',
      'pinServiceIps',
      'restoreConfigObject',
      'deleteConfigObject',
      'waitForServiceIps',
      'unpinServiceIps',
      'verifyConfigMatchesBackup',
      'exportMetallbConfig',
    ]);
    expect(run.calls.find((call) => call.name === 'restoreConfigObject')?.input).toMatchObject({
      entry: { kind: 'IPAddressPool', name: 'pool-a', uid: 'uid-pool-a' },
    });
    // The created object is removed by the UID it got: someone else's object of that name is left alone.
    expect(run.calls.find((call) => call.name === 'deleteConfigObject')?.input).toMatchObject({
      kind: 'L2Advertisement',
      name: 'l2-b',
      uid: 'uid-created',
    });
  });

  it('rides through the webhook being down while the controller restarts: an API 500 write is retried', async () => {
    let attempts = 0;
    const down = ApplicationFailure.retryable(
      'create L2Advertisement/l2-b: Internal error occurred: ' +
        'failed calling webhook "l2advertisementvalidationwebhook.metallb.io"',
      'KubeServerError',
    );
    const run = await runWorkflow(bed, 'applyChange', input, {
      stubs: {
        writeConfigObject: async (request) => {
          if (request.action === 'create' && attempts++ < 2) throw down;
          return { ref: request.entry.name, action: 'created', uid: 'uid-x', at: new Date().toISOString() };
        },
      },
    });
    expect(run.error).toBeUndefined();
    expect(attempts).toBe(3);
  });

  it('a new diagnosis finding after a step fails the check and rolls back', async () => {
    const finding = { ...healthy, newFindings: ['advertisement-selector-matches-no-pool: l2-b selects no pool'] };
    const run = await runWorkflow(bed, 'applyChange', input, { stubs: { checkChangeHealth: inTurn(finding) } });
    expect(typeOf(run.error)).toBe('ApplyRolledBack');
    expect(rootCause(run.error)?.message).toContain('diagnosis: advertisement-selector-matches-no-pool');
    expect(namesOf(run.calls).filter((name) => name === 'writeConfigObject')).toHaveLength(1);
    expect(namesOf(run.calls)).toContain('deleteConfigObject');
  });

  it('new controller errors: restart-controller runs as a child workflow, the step is checked again', async () => {
    const errors = { ...healthy, controllerErrors: ['controller-1: config-parse-error: overlap'] };
    const run = await runWorkflow(bed, 'applyChange', input, {
      stubs: { checkChangeHealth: inTurn(errors, healthy, healthy) },
    });
    expect(run.error).toBeUndefined();
    const restarts = run.calls.filter((call) => call.name === 'restartWorkload').map((call) => call.input);
    expect(restarts).toMatchObject([{ kind: 'Deployment', name: 'controller' }]);
    expect(namesOf(run.calls).filter((name) => name === 'checkChangeHealth')).toHaveLength(3);
  });

  it('a write the controller does not process in time: restart-controller as a child, then waited again', async () => {
    const stalled = ApplicationFailure.nonRetryable('timed out waiting for the controller', 'DeadlineExceeded');
    let waits = 0;
    const run = await runWorkflow(bed, 'applyChange', input, {
      stubs: {
        waitForChangeProcessed: async () => {
          if (waits++ === 0) throw stalled;
          return { evidence: 'controller logged "config reloaded" after the write' };
        },
      },
    });
    expect(run.error).toBeUndefined();
    const names = namesOf(run.calls);
    expect(names.slice(names.indexOf('waitForChangeProcessed'), names.indexOf('checkChangeHealth'))).toEqual([
      'waitForChangeProcessed',
      'findMetallbWorkloads',
      'readClusterFacts',
      'restartWorkload',
      'waitForRolloutComplete',
      'checkControllerLog',
      'waitForServiceIpsInPools',
      'waitForChangeProcessed',
      'waitForServiceIps',
    ]);
  });

  it('a write still not processed after the restart rolls the change back', async () => {
    const stalled = ApplicationFailure.nonRetryable('timed out waiting for the controller', 'DeadlineExceeded');
    const run = await runWorkflow(bed, 'applyChange', input, {
      stubs: {
        waitForChangeProcessed: async () => {
          throw stalled;
        },
      },
    });
    expect(typeOf(run.error)).toBe('ApplyRolledBack');
    expect(namesOf(run.calls)).toContain('restartWorkload');
  });

  it('controller errors that a restart does not cure roll the change back', async () => {
    const errors = { ...healthy, controllerErrors: ['controller-1: config-parse-error: overlap'] };
    const run = await runWorkflow(bed, 'applyChange', input, { stubs: { checkChangeHealth: inTurn(errors) } });
    expect(typeOf(run.error)).toBe('ApplyRolledBack');
    expect(namesOf(run.calls)).toContain('restartWorkload');
    expect(namesOf(run.calls)).toContain('deleteConfigObject');
  });

  it('a speaker rejecting the config: restart-speakers runs as a child workflow', async () => {
    const rejected = { ...healthy, speakerProblems: ['speaker-x: config-rejected-by-speaker'] };
    const run = await runWorkflow(bed, 'applyChange', input, {
      stubs: { checkChangeHealth: inTurn(rejected, healthy, healthy) },
    });
    expect(run.error).toBeUndefined();
    const restarts = run.calls.filter((call) => call.name === 'restartWorkload').map((call) => call.input);
    expect(restarts).toMatchObject([{ kind: 'DaemonSet', name: 'speaker' }]);
  });

  it('a Service losing its IP after a step rolls back', async () => {
    const lost = ApplicationFailure.nonRetryable('timed out: shop/web has [], wants [192.0.2.1]', 'DeadlineExceeded');
    let calls = 0;
    const run = await runWorkflow(bed, 'applyChange', input, {
      stubs: {
        waitForServiceIps: async (wait) => {
          // The first wait (after step 1) fails; the rollback's own wait succeeds.
          if (calls++ === 0) throw lost;
          return wait.expected.map((pin) => ({ ...pin, gone: false }));
        },
      },
    });
    expect(typeOf(run.error)).toBe('ApplyRolledBack');
    expect(rootCause(run.error)?.message).toContain('shop/web has [], wants [192.0.2.1]');
  });

  it('pin, swap written back to back (followedImmediately), unpin: one wait for the swap', async () => {
    const pins = [{ namespace: 'shop', name: 'web', ips: ['192.0.2.1'] }];
    const swap: PlanStep[] = [
      { action: 'pin-services', pins, why: 'hold the IPs across the rename' },
      { action: 'delete', kind: 'IPAddressPool', name: 'pool-a', why: 'rename: old half', followedImmediately: true },
      {
        action: 'create',
        kind: 'IPAddressPool',
        name: 'pool-b',
        why: 'rename: new half',
        manifest: {
          apiVersion: 'metallb.io/v1beta1',
          kind: 'IPAddressPool',
          metadata: { name: 'pool-b' },
          spec: { addresses: ['192.0.2.0/28'] },
        },
      },
      { action: 'unpin-services', pins, why: 'release the pins' },
    ];
    const run = await runWorkflow(bed, 'applyChange', input, {
      stubs: { planLiveChange: async () => ({ plan: planOf(swap), findings: [] }) },
    });
    expect(run.error).toBeUndefined();
    const afterBackup = namesOf(run.calls).slice(namesOf(run.calls).indexOf('exportMetallbConfig') + 1);
    expect(afterBackup).toEqual([
      'pinServiceIps',
      'waitForServiceIps',
      'checkChangeHealth',
      'deleteConfigObject',
      'writeConfigObject',
      'waitForChangeProcessed',
      'waitForServiceIps',
      'checkChangeHealth',
      'unpinServiceIps',
      'waitForServiceIps',
      'checkChangeHealth',
      'waitForServiceIps',
      'waitForServiceIpsInPools',
    ]);
    const processed = run.calls.find((call) => call.name === 'waitForChangeProcessed')?.input as {
      written: { entry: { name: string }; present: boolean }[];
      controllerReads: boolean;
    };
    expect(processed.written.map((object) => [object.entry.name, object.present])).toEqual([
      ['pool-a', false],
      ['pool-b', true],
    ]);
    expect(processed.controllerReads).toBe(true);
    const pinned = run.calls.find((call) => call.name === 'pinServiceIps')?.input as { marker: string; pins: unknown };
    expect(pinned.pins).toEqual([{ service: 'shop/web', ips: ['192.0.2.1'] }]);
    const unpinned = run.calls.find((call) => call.name === 'unpinServiceIps')?.input as { marker: string };
    expect(unpinned.marker).toBe(pinned.marker);
  });
});
