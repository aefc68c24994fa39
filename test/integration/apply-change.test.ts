// apply on the lab (real controller, real Temporal): widen a pool, add and remove advertisements,
// delete an unused pool; rollback of a change whose check fails (an advertisement that selects no
// pool, handed in through the test seam) and of a step the API server rejects (a ValidatingAdmissionPolicy).
// Each run is watched: zero IP changes for the Services, and the IP-less time is printed.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import type { Client, Connection, WorkflowHandle } from '@temporalio/client';
import type { PlanStep } from '../../domain/plan/types.js';
import { startRunbook } from '../../client/commands/fix-start.js';
import type { ApplyChangeInput, ApplyResult } from '../../domain/runbooks/apply.js';
import { applyInput, desired, finishWatched, l2, poolA, startApply, type ApplyRequest } from './apply-helpers.js';
import {
  allServiceIps,
  closeRunbookSession,
  configSpecs,
  deleteAllMetallbConfig,
  expectClusterClean,
  finish,
  openRunbookSession,
  removeNamespace,
  type Finished,
  type RunningWorker,
} from './fix-helpers.js';
import { isAlive } from '../../lab/processes.js';
import { readControllerState } from '../../lab/record.js';
import {
  createPool,
  createServedPool,
  eventually,
  lab,
  labClients,
  stopProcess,
  uniqueName,
  withWebhookOff,
} from './helpers.js';

const policy = 'apply-test-block-pool-update';

/** A ValidatingAdmissionPolicy that refuses updates of one pool: a step the API server rejects. */
async function blockPoolUpdate(name: string): Promise<void> {
  const admission = labClients().kc.makeApiClient(AdmissionregistrationV1Api);
  await admission.createValidatingAdmissionPolicy({
    body: {
      metadata: { name: policy },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            { apiGroups: ['metallb.io'], apiVersions: ['*'], operations: ['UPDATE'], resources: ['ipaddresspools'] },
          ],
        },
        validations: [{ expression: `object.metadata.name != '${name}'`, message: `${name} is blocked by the test` }],
      },
    },
  });
  await admission.createValidatingAdmissionPolicyBinding({
    body: { metadata: { name: policy }, spec: { policyName: policy, validationActions: ['Deny'] } },
  });
  const { custom, namespace } = labClients();
  await eventually('the policy to reject an update of the pool', async () => {
    const params = { group: 'metallb.io', version: 'v1beta1', namespace, plural: 'ipaddresspools', name };
    const live = (await custom.getNamespacedCustomObject(params)) as Record<string, unknown>;
    const probe = await custom.replaceNamespacedCustomObject({ ...params, body: live, dryRun: 'All' }).then(
      () => 'allowed',
      (error: Error) => error.message,
    );
    return probe.includes('blocked by the test') ? true : undefined;
  });
}

async function unblock(): Promise<void> {
  const admission = labClients().kc.makeApiClient(AdmissionregistrationV1Api);
  await admission.deleteValidatingAdmissionPolicyBinding({ name: policy }).catch(() => undefined);
  await admission.deleteValidatingAdmissionPolicy({ name: policy }).catch(() => undefined);
}

describe('apply on the lab', () => {
  let worker: RunningWorker;
  let client: Client;
  let connection: Connection;
  let ns: string;

  const seam = process.env.METALLB_RUNBOOKS_TEST_SEAMS;
  beforeAll(async () => {
    process.env.METALLB_RUNBOOKS_TEST_SEAMS = '1';
    ({ worker, client, connection } = await openRunbookSession());
  });
  beforeEach(async () => {
    ns = uniqueName('apply');
    await createServedPool({
      namespace: ns,
      pool: 'ap-a',
      addresses: ['192.0.2.0/29'],
      advertisement: 'ap-l2',
      services: ['s1', 's2'],
    });
  });
  afterEach(async () => {
    await unblock();
    await removeNamespace(ns);
  });
  afterAll(async () => {
    await closeRunbookSession({ worker, client, connection });
    if (seam === undefined) delete process.env.METALLB_RUNBOOKS_TEST_SEAMS;
    else process.env.METALLB_RUNBOOKS_TEST_SEAMS = seam;
    await deleteAllMetallbConfig();
  });

  /** Runs one apply to its end while watching every Service; asserts no IP moved. */
  async function runWatched(started: () => Promise<WorkflowHandle>, history: string): Promise<Finished> {
    const before = await allServiceIps();
    const run = await finishWatched(started, history);
    expect(await allServiceIps()).toEqual(before);
    return run;
  }

  const applyWatched = (request: ApplyRequest, history: string) =>
    runWatched(() => startApply(client, request), history);

  /** An apply whose steps are handed in (the worker of this file enables the test seam). */
  async function startApplyWithSteps(request: ApplyRequest, testPlanSteps: PlanStep[]): Promise<WorkflowHandle> {
    const input: ApplyChangeInput = { ...applyInput(request), testPlanSteps };
    const started = await startRunbook(client, { runbook: 'apply', input });
    return client.workflow.getHandle(started.workflowId, started.firstExecutionRunId);
  }

  it('widens a pool in place: one update, every Service keeps its IP, diagnosis clean', async () => {
    const run = await applyWatched({ desired: [poolA(['192.0.2.0/28']), l2('ap-l2', ['ap-a'])] }, 'apply-widen-pool');
    expect(run.failure).toBeUndefined();
    const result = run.result as ApplyResult;
    expect(result.steps.map((step) => [step.action, step.target, step.outcome])).toEqual([
      ['update', 'IPAddressPool/ap-a', 'updated'],
    ]);
    expect(result.steps[0]).toMatchObject({
      before: { addresses: ['192.0.2.0/29'] },
      after: { addresses: ['192.0.2.0/28'] },
    });
    expect(run.progress.steps.find((step) => step.id === 'wait-processed-1')?.detail).toContain('config reloaded');
    expect((await configSpecs())['ipaddresspools/ap-a']?.spec).toMatchObject({ addresses: ['192.0.2.0/28'] });
    await expectClusterClean();
  });

  it('adds an advertisement, then removes it with --prune --all', async () => {
    const both = [poolA(['192.0.2.0/29']), l2('ap-l2', ['ap-a']), l2('ap-l2-b', ['ap-a'])];
    const added = await applyWatched({ desired: both }, 'apply-add-advertisement');
    expect(added.failure).toBeUndefined();
    expect(Object.keys(await configSpecs())).toContain('l2advertisements/ap-l2-b');
    const removed = await applyWatched(
      { desired: both.slice(0, 2), prune: { all: true } },
      'apply-prune-advertisement',
    );
    expect(removed.failure).toBeUndefined();
    const deletes = (removed.result as ApplyResult).steps.filter((step) => step.action === 'delete');
    expect(deletes.map((step) => [step.target, step.outcome])).toEqual([['L2Advertisement/ap-l2-b', 'deleted']]);
    expect(Object.keys(await configSpecs())).not.toContain('l2advertisements/ap-l2-b');
    await expectClusterClean();
  });

  it('deletes a pool no Service uses', async () => {
    await createPool('ap-unused', ['198.51.100.0/28']);
    const run = await applyWatched(
      { desired: [poolA(['192.0.2.0/29']), l2('ap-l2', ['ap-a'])], prune: { all: true } },
      'apply-delete-unused-pool',
    );
    expect(run.failure).toBeUndefined();
    expect(Object.keys(await configSpecs())).not.toContain('ipaddresspools/ap-unused');
    await expectClusterClean();
  });

  it('an advertisement that selects no pool fails the check: rolled back to the backup, every IP kept', async () => {
    // The planner refuses such an advertisement, so the step is handed in through the test seam: this
    // is about what the executor does when a written step fails its check.
    const specs = await configSpecs();
    const nowhere = desired('L2Advertisement', 'ap-nowhere', {
      ipAddressPoolSelectors: [{ matchLabels: { pool: 'does-not-exist' } }],
    });
    const testPlanSteps: PlanStep[] = [
      { action: 'create', kind: 'L2Advertisement', name: 'ap-nowhere', manifest: nowhere.manifest, why: 'test' },
    ];
    const request = { desired: [poolA(['192.0.2.0/29']), l2('ap-l2', ['ap-a'])] };
    const run = await runWatched(() => startApplyWithSteps(request, testPlanSteps), 'apply-rolled-back-finding');
    expect(run.failure).toMatch(/rolled back/);
    expect(run.failure).toContain('advertisement-selector-matches-no-pool');
    expect(await configSpecs()).toEqual(specs);
    await expectClusterClean();
  });

  it('a step the API server rejects rolls back the steps before it', async () => {
    await blockPoolUpdate('ap-a');
    const specs = await configSpecs();
    // Steps: create ap-l2-b (advertisements first), then the pool update the policy rejects.
    const run = await applyWatched(
      { desired: [poolA(['192.0.2.0/28']), l2('ap-l2', ['ap-a']), l2('ap-l2-b', ['ap-a'])] },
      'apply-rolled-back-rejected-step',
    );
    expect(run.failure).toMatch(/rolled back/);
    expect(run.failure).toContain('blocked by the test');
    expect(run.progress.steps.find((step) => step.id === 'rollback-restore')?.detail).toContain(
      'L2Advertisement/ap-l2-b removed',
    );
    const after = await configSpecs();
    expect(Object.keys(after)).toEqual(Object.keys(specs));
    for (const [key, { spec }] of Object.entries(after)) expect(spec, key).toEqual(specs[key]!.spec);
    await expectClusterClean();
  });

  it('a controller not processing the write (SIGSTOP) is restarted as a child; the change completes', async () => {
    // The webhook is served by the controller: stopped, it would refuse the write itself (as in production).
    // Off, the write goes through and the stopped controller does not process it.
    const run = await withWebhookOff(async () => {
      const hung = readControllerState(lab().stateDir)!;
      await stopProcess(hung.pid!);
      try {
        const limits = { configProcessedSeconds: 8 };
        const finished = await applyWatched(
          { desired: [poolA(['192.0.2.0/28']), l2('ap-l2', ['ap-a'])], limits },
          'apply-controller-stalled-restarted',
        );
        expect(isAlive(hung.pid!)).toBe(false);
        return finished;
      } finally {
        if (isAlive(hung.pid!)) process.kill(hung.pid!, 'SIGCONT');
      }
    });
    expect(run.failure).toBeUndefined();
    const ids = run.progress.steps.map((step) => step.id);
    expect(ids).toEqual(
      expect.arrayContaining(['wait-processed-1', 'restart-controller-1-unprocessed', 'wait-processed-1-again']),
    );
    expect(run.progress.steps.find((step) => step.id === 'wait-processed-1')?.detail).toContain(
      'did not process the write in time',
    );
    expect((await configSpecs())['ipaddresspools/ap-a']?.spec).toMatchObject({ addresses: ['192.0.2.0/28'] });
    await expectClusterClean();
  });

  it('input check: objects outside the MetalLB namespace are refused before any write', async () => {
    const foreign = { ...poolA(['192.0.2.0/28']), namespace: 'default' };
    const specs = await configSpecs();
    const run = await finish(await startApply(client, { desired: [foreign] }), 'apply-refused-namespace');
    expect(run.failure).toContain('outside the MetalLB namespace');
    expect(await configSpecs()).toEqual(specs);
    expect(applyInput({ desired: [] }).approval).toBeNull();
  });
});
