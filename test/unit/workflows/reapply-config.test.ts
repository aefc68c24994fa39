// reapply-config's branches on stub activities: the order of the re-create, compensation after a
// failure anywhere past the first delete, the pins removed after a cancelled or failed pin step,
// and the pin annotation chosen by MetalLB version (or a refusal before any write).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { metallbAt } from './stub-activities.js';
import { namesOf, openTestBed, runWorkflow, type WorkflowTestBed } from './workflow-env.js';

const timedOut = (what: string) => ApplicationFailure.nonRetryable(`timed out waiting for ${what}`, 'DeadlineExceeded');
const recreate = { mode: 'recreate' };
const writes = [
  'pinServiceIps',
  'deleteConfigObject',
  'createConfigObject',
  'releaseAutoAssign',
  'restoreConfigObject',
];

/** The innermost cause of a workflow failure. */
function rootCause(error: unknown): Error | undefined {
  let current = error instanceof WorkflowFailedError ? error.cause : (error as Error | undefined);
  while (current?.cause instanceof Error && !(current instanceof CancelledFailure)) current = current.cause;
  return current;
}

describe('reapply-config on stub activities', () => {
  let bed: WorkflowTestBed;
  beforeAll(async () => {
    bed = await openTestBed();
  });
  afterAll(async () => {
    await bed?.env.teardown();
  });

  it('re-creates in order: pin, delete, wait, create, IPs back, autoAssign, unpin, verify', async () => {
    const run = await runWorkflow(bed, 'reapplyConfig', recreate);
    expect(run.error).toBeUndefined();
    expect(namesOf(run.calls)).toEqual([
      'findMetallbWorkloads',
      'readClusterFacts',
      'exportMetallbConfig',
      'pinServiceIps',
      'deleteConfigObject',
      'deleteConfigObject',
      'waitForDeletionsProcessed',
      'createConfigObject',
      'createConfigObject',
      'waitForServiceIps',
      'releaseAutoAssign',
      'unpinServiceIps',
      'verifyConfigMatchesBackup',
      'waitForServiceIpsInPools',
    ]);
    const deleted = run.calls
      .filter((c) => c.name === 'deleteConfigObject')
      .map((c) => (c.input as { kind: string }).kind);
    expect(deleted).toEqual(['L2Advertisement', 'IPAddressPool']);
    expect(run.calls.find((c) => c.name === 'pinServiceIps')?.input).toMatchObject({
      annotations: ['metallb.io/loadBalancerIPs'],
    });
  });

  it('the IPs do not come back: compensation restores, waits, then ALWAYS restores autoAssign and unpins', async () => {
    const run = await runWorkflow(bed, 'reapplyConfig', recreate, {
      stubs: { waitForServiceIps: () => Promise.reject(timedOut('the IPs')) },
    });
    const names = namesOf(run.calls);
    expect(names.slice(names.indexOf('waitForServiceIps'))).toEqual([
      'waitForServiceIps',
      'restoreConfigObject',
      'restoreConfigObject',
      'waitForServiceIps',
      'restoreConfigObject',
      'unpinServiceIps',
    ]);
    const restores = run.calls.filter((c) => c.name === 'restoreConfigObject').map((c) => c.input);
    expect(restores.map((r) => (r as { holdAutoAssign: boolean }).holdAutoAssign)).toEqual([true, true, false]);
    expect(run.calls.find((c) => c.name === 'unpinServiceIps')?.input).toMatchObject({
      services: ['shop/web', 'shop/api'],
    });
    const failure = (run.error as WorkflowFailedError).cause as ApplicationFailure;
    expect(failure.type).toBe('RestoreFailed');
    expect(failure.message).toContain(
      'but 1 did not succeed: Compensate: wait for every pinned Service to get its IP back: timed out waiting for ' +
        'the IPs; get the backup with: metallb-runbooks fix reapply-config --backup-of ',
    );
  });

  it('restoring the backup fails: autoAssign restore and unpin still run, the report names the failure', async () => {
    let restores = 0;
    const run = await runWorkflow(bed, 'reapplyConfig', recreate, {
      stubs: {
        createConfigObject: () => Promise.reject(ApplicationFailure.nonRetryable('create refused', 'KubeInvalid')),
        restoreConfigObject: async (input) => {
          if (restores++ === 0) throw ApplicationFailure.nonRetryable('restore refused', 'KubeInvalid');
          return { ref: `${input.entry.kind}/${input.entry.name}`, action: 'created' };
        },
      },
    });
    const names = namesOf(run.calls);
    expect(names.slice(names.indexOf('restoreConfigObject'))).toEqual([
      'restoreConfigObject',
      'waitForServiceIps',
      'restoreConfigObject',
      'unpinServiceIps',
    ]);
    const failure = (run.error as WorkflowFailedError).cause as ApplicationFailure;
    expect(failure.type).toBe('RestoreFailed');
    expect(failure.message).toContain(
      'Compensate: restore the backup (pools with autoAssign held off): restore refused',
    );
  });

  it('cancelled during pin-ips: the pins added so far are removed, and the run ends cancelled', async () => {
    let pinStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (pinStarted = resolve));
    const run = await runWorkflow(bed, 'reapplyConfig', recreate, {
      stubs: {
        pinServiceIps: async () => {
          pinStarted();
          // Blocks until cancelled, heartbeating so the cancellation reaches it.
          for (;;) {
            Context.current().heartbeat();
            await Context.current().sleep(100);
          }
        },
      },
      whileRunning: async (handle) => {
        await started;
        await handle.cancel();
      },
    });
    expect(namesOf(run.calls).slice(3)).toEqual(['pinServiceIps', 'unpinServiceIps']);
    const unpin = run.calls.findLast((call) => call.name === 'unpinServiceIps');
    expect(unpin?.input).toMatchObject({ services: ['shop/web', 'shop/api'] });
    expect((unpin?.input as { marker: string }).marker).toMatch(/^test-.+\/.+/);
    // Cancelled, and still recorded.
    expect(run.calls.at(-1)).toMatchObject({ name: 'keepAuditRecord', input: { outcome: 'failed' } });
    expect(rootCause(run.error)).toBeInstanceOf(CancelledFailure);
  });

  it('pinning fails part-way: the pins are removed and the pin failure is reported', async () => {
    const run = await runWorkflow(bed, 'reapplyConfig', recreate, {
      stubs: { pinServiceIps: () => Promise.reject(ApplicationFailure.nonRetryable('patch refused', 'KubeForbidden')) },
    });
    expect(namesOf(run.calls).slice(3)).toEqual(['pinServiceIps', 'unpinServiceIps']);
    expect(rootCause(run.error)?.message).toBe('patch refused');
  });

  it('on MetalLB v0.13.12: pins with metallb.universe.tf/loadBalancerIPs, the only one it reads', async () => {
    const run = await runWorkflow(bed, 'reapplyConfig', recreate, {
      stubs: {
        findMetallbWorkloads: metallbAt('v0.13.12'),
      },
    });
    expect(run.error).toBeUndefined();
    expect(run.calls.find((c) => c.name === 'pinServiceIps')?.input).toMatchObject({
      annotations: ['metallb.universe.tf/loadBalancerIPs'],
    });
  });

  it('on a MetalLB that reads no pin annotation (v0.12.1): refuses before any write', async () => {
    const run = await runWorkflow(bed, 'reapplyConfig', recreate, {
      stubs: {
        findMetallbWorkloads: metallbAt('v0.12.1'),
      },
    });
    expect(namesOf(run.calls).filter((name) => writes.includes(name) || name === 'unpinServiceIps')).toEqual([]);
    const failure = (run.error as WorkflowFailedError).cause as ApplicationFailure;
    expect(failure.type).toBe('PinRefused');
    expect(failure.message).toMatch(
      /^Pin every healthy Service to its current IP: MetalLB v0.12.1 .* nothing was changed$/,
    );
  });

  it('with too little of its execution timeout left for the worst case: refuses before any write', async () => {
    const run = await runWorkflow(bed, 'reapplyConfig', recreate, { executionTimeout: '10m' });
    expect(namesOf(run.calls).filter((name) => writes.includes(name) || name === 'unpinServiceIps')).toEqual([]);
    const failure = (run.error as WorkflowFailedError).cause as ApplicationFailure;
    expect(failure.type).toBe('PinRefused');
    expect(failure.message).toMatch(/timeout left.* nothing was changed: start it again with a longer --timeout/);
  });

  it('with an execution timeout that covers the worst case: re-creates as usual', async () => {
    const run = await runWorkflow(bed, 'reapplyConfig', recreate, { executionTimeout: '1h' });
    expect(run.error).toBeUndefined();
    expect(namesOf(run.calls)).toContain('deleteConfigObject');
  });

  it('in place: rewrites every object and trims, deletes nothing', async () => {
    const run = await runWorkflow(bed, 'reapplyConfig', { mode: 'in-place' });
    expect(run.error).toBeUndefined();
    expect(namesOf(run.calls).filter((name) => writes.includes(name) || name === 'deleteConfigObject')).toEqual([]);
    expect(namesOf(run.calls).filter((name) => name === 'rewriteConfigObject')).toHaveLength(2);
  });
});
