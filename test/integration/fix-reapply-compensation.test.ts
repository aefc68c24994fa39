import { defaultWaitLimits } from '../../domain/runbooks/types.js';
import { progressQuery } from '../../workflows/messages.js';
import { readFileSync, rmSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import type { Client, Connection } from '@temporalio/client';
import { changeWorkflowId } from '../../domain/runbooks/names.js';
import { isAlive } from '../../lab/processes.js';
import { readControllerState } from '../../lab/record.js';
import { eventually, lab, labClients, stopProcess, uniqueName, withWebhookOff } from './helpers.js';
import {
  allServiceIps,
  buildFullConfig,
  cluster,
  configSpecs,
  expectClusterClean,
  finish,
  leftoverPins,
  deleteAllMetallbConfig,
  root,
  start,
  removeNamespace,
  serviceIps,
  type RunningWorker,
  labCliArgs,
} from './fix-helpers.js';
import { closeRunbookSession, openRunbookSession } from './fix-helpers.js';

const policy = 'fix-test-block-rp-b';

/** An in-process CEL policy (no webhook): the API server refuses to create IPAddressPool rp-b. */
async function blockPoolCreation(): Promise<void> {
  const admission = labClients().kc.makeApiClient(AdmissionregistrationV1Api);
  await admission.createValidatingAdmissionPolicy({
    body: {
      metadata: { name: policy },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            { apiGroups: ['metallb.io'], apiVersions: ['*'], operations: ['CREATE'], resources: ['ipaddresspools'] },
          ],
        },
        validations: [
          { expression: "object.metadata.name != 'rp-b'", message: 'creating pool rp-b is blocked by the test policy' },
        ],
      },
    },
  });
  await admission.createValidatingAdmissionPolicyBinding({
    body: { metadata: { name: policy }, spec: { policyName: policy, validationActions: ['Deny'] } },
  });
  // The policy takes effect once the API server has compiled it: probe with a dry-run create.
  const { custom, namespace } = labClients();
  await eventually('the policy to reject pool rp-b', async () => {
    const body = {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: { name: 'rp-b' },
      spec: { addresses: ['198.51.100.0/28'] },
    };
    const probe = await custom
      .createNamespacedCustomObject({
        group: 'metallb.io',
        version: 'v1beta1',
        namespace,
        plural: 'ipaddresspools',
        body,
        dryRun: 'All',
      })
      .then(
        () => 'allowed',
        (e: Error) => e.message,
      );
    return probe.includes('blocked by the test policy') || probe.includes('already exists') ? true : undefined;
  });
}

async function unblockPoolCreation(): Promise<void> {
  const admission = labClients().kc.makeApiClient(AdmissionregistrationV1Api);
  await admission.deleteValidatingAdmissionPolicyBinding({ name: policy }).catch(() => undefined);
  await admission.deleteValidatingAdmissionPolicy({ name: policy }).catch(() => undefined);
}

describe('reapply-config --recreate compensates a failed re-create', () => {
  const ns = uniqueName('fix-comp');
  const backupFile = `/tmp/${ns}.yaml`;
  let worker: RunningWorker;
  let client: Client;
  let connection: Connection;

  beforeAll(async () => {
    await deleteAllMetallbConfig();
    await buildFullConfig(ns);
    ({ worker, client, connection } = await openRunbookSession());
  });

  afterAll(async () => {
    await unblockPoolCreation();
    await closeRunbookSession({ worker, connection });
    rmSync(backupFile, { force: true });
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
  });

  it(
    'the API server rejects a re-created pool: the backup and every IP come back before the run fails',
    {
      timeout: 300_000,
    },
    async () => {
      const before = { ips: await allServiceIps(), specs: await configSpecs() };
      await blockPoolCreation();
      const handle = await start(client, 'reapply-config', { mode: 'recreate' });
      // Compensation keeps retrying the restore while the policy still blocks rp-b; lift it then.
      // The server's history says when compensation started restoring (no worker needed to answer); the run may
      // first wait its own deadline for the deletions to be processed.
      const compensating = await eventually(
        'the run to compensate',
        async () => {
          const { events } = await handle.fetchHistory();
          const restoring = (events ?? []).some(
            (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'restoreConfigObject',
          );
          const progress = restoring ? await handle.query(progressQuery) : undefined;
          return progress?.phase === 'compensating' ? progress : undefined;
        },
        { timeoutMs: (defaultWaitLimits.configProcessedSeconds + 90) * 1000, intervalMs: 200 },
      ).finally(unblockPoolCreation);
      expect(compensating.steps.find((s) => s.id === 'recreate-config')).toMatchObject({ status: 'failed' });
      expect(compensating.steps.find((s) => s.id === 'recreate-config')?.detail).toContain(
        'creating pool rp-b is blocked by the test policy',
      );

      const run = await finish(handle, 'reapply-config-recreate-compensated');
      expect(run.failure).toMatch(/^reapply-config --recreate failed: Re-create the objects from the backup .*: /);
      expect(run.failure).toMatch(/create IPAddressPool\/rp-b: .*creating pool rp-b is blocked by the test policy; /);
      expect(run.failure).toMatch(
        /; restored the backup \(7 object\(s\)\) and every pinned Service has its previous IP$/,
      );
      expect(run.progress.phase).toBe('failed');
      expect(run.progress.steps.filter((s) => s.id.startsWith('restore')).map((s) => [s.id, s.status])).toEqual([
        ['restore-config', 'done'],
        ['restore-wait-ips', 'done'],
        ['restore-auto-assign', 'done'],
        ['restore-unpin', 'done'],
      ]);
      const specs = await configSpecs();
      expect(Object.keys(specs)).toEqual(Object.keys(before.specs));
      for (const [key, { spec }] of Object.entries(specs)) expect(spec, key).toEqual(before.specs[key]!.spec);
      expect(await allServiceIps()).toEqual(before.ips);
      expect(await leftoverPins(ns)).toEqual([]);
      await expectClusterClean();
    },
  );

  it("the failed run's backup can still be written as YAML from its history", async () => {
    const command = ['fix', 'reapply-config', '--backup-of', changeWorkflowId(cluster), '--backup-file', backupFile];
    const args = labCliArgs(command, { cluster: false });
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: root });
    expect(stdout).toContain(`wrote 7 object(s) to ${backupFile}`);
    expect(readFileSync(backupFile, 'utf8')).toContain('name: rp-b');
  });

  it('the IPs do not come back (controller stopped): compensation still restores autoAssign, unpins', () =>
    // Webhook off: with it on, a stopped controller also refuses the re-create itself ("failed calling webhook").
    withWebhookOff(async () => {
      const before = { ips: await allServiceIps(), specs: await configSpecs() };
      const pinned = ['s1', 's2', 's3', 's4'];
      const controller = readControllerState(lab().stateDir)!;
      const handle = await start(client, 'reapply-config', { mode: 'recreate', limits: { serviceIpsSeconds: 4 } });
      try {
        // Stop the controller once it has processed the deletions (the pinned Services lost their IPs):
        // it never sees the re-created pools, so neither the re-create's nor compensation's IP wait succeeds.
        await eventually(
          'the controller to clear the pinned Services',
          async () => {
            const ips = await Promise.all(pinned.map((name) => serviceIps(ns, name)));
            return ips.every((list) => list.length === 0) ? true : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 20 },
        );
        await stopProcess(controller.pid!);
        const run = await finish(handle, 'reapply-config-recreate-compensation-timeout');
        expect(run.progress.steps.find((s) => s.id === 'wait-ips-back')?.status).toBe('failed');
        expect(run.progress.steps.filter((s) => s.id.startsWith('restore')).map((s) => [s.id, s.status])).toEqual([
          ['restore-config', 'done'],
          ['restore-wait-ips', 'failed'],
          ['restore-auto-assign', 'done'],
          ['restore-unpin', 'done'],
        ]);
        expect(run.failure).toMatch(/compensation ran every step .* but 1 did not succeed: Compensate: wait for every/);
        expect(run.failure).toContain('timed out');
        expect(run.failure).toContain('--backup-of');
        const specs = await configSpecs();
        expect(Object.keys(specs)).toEqual(Object.keys(before.specs));
        for (const [key, { spec }] of Object.entries(specs)) expect(spec, key).toEqual(before.specs[key]!.spec);
        expect(await leftoverPins(ns)).toEqual([]);
      } finally {
        if (isAlive(controller.pid!)) process.kill(controller.pid!, 'SIGCONT');
      }
      // Unpinned, the five Services of pool rp-a (4 IPs) race for its addresses: any four get one.
      await eventually(
        'four of the five Services of rp-a to get an IP again',
        async () => {
          const ips = await Promise.all([...pinned, 'waiting'].map((name) => serviceIps(ns, name)));
          return ips.filter((list) => list.length > 0).length === 4 ? true : undefined;
        },
        { timeoutMs: 60_000 },
      );
    }));
});
