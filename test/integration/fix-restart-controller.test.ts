import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, Connection } from '@temporalio/client';
import { isAlive } from '../../lab/processes.js';
import { readControllerState } from '../../lab/record.js';
import {
  createLoadBalancer,
  eventually,
  lab,
  labClients,
  serviceEvents,
  uniqueName,
  createServedPool,
  stopProcess,
} from './helpers.js';
import {
  allServiceIps,
  expectClusterClean,
  finish,
  labToken,
  deleteAllMetallbConfig,
  serviceIps,
  start,
  waitForIp,
  removeNamespace,
  type RunningWorker,
} from './fix-helpers.js';
import { closeRunbookSession, openRunbookSession } from './fix-helpers.js';

describe('fix restart-controller on the lab', () => {
  const ns = uniqueName('fix-rc');
  let worker: RunningWorker;
  let client: Client;
  let connection: Connection;

  beforeAll(async () => {
    await createServedPool({
      namespace: ns,
      pool: 'rc-pool',
      addresses: ['192.0.2.0/28'],
      advertisement: 'rc-l2',
      services: ['web', 'api'],
    });
    ({ worker, client, connection } = await openRunbookSession());
  });

  afterAll(async () => {
    await closeRunbookSession({ worker, connection });
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
  });

  it('on a healthy lab: replaces the controller process, keeps every IP, leaves no token in the history', async () => {
    const before = await allServiceIps();
    const old = readControllerState(lab().stateDir)!;
    const run = await finish(await start(client, 'restart-controller'), 'restart-controller-healthy');
    expect(run.failure).toBeUndefined();
    expect(run.progress.steps.map((s) => [s.id, s.status])).toEqual([
      ['locate', 'done'],
      ['record-ips', 'done'],
      ['restart', 'done'],
      ['wait-rollout', 'done'],
      ['verify-logs', 'done'],
      ['verify-ips', 'done'],
    ]);
    const now = await eventually('the supervisor to run the new controller pod', () => {
      const state = readControllerState(lab().stateDir);
      return state?.running && state.podName !== old.podName ? state : undefined;
    });
    expect(now.pid).not.toBe(old.pid);
    expect(run.result!.changes[0]).toContain(now.podName!);
    expect(await allServiceIps()).toEqual(before);
    expect(run.result!.services.every((s) => s.before.join() === s.after.join())).toBe(true);
    expect(run.history).toContain('restartWorkload');
    expect(run.history).not.toContain(labToken());
    await expectClusterClean();
  });

  it('on a hung controller (SIGSTOP): the new one allocates the pending Service, others keep their IPs', async () => {
    const before = await allServiceIps();
    const hung = readControllerState(lab().stateDir)!;
    await stopProcess(hung.pid!);
    try {
      await createLoadBalancer(ns, 'late');
      await new Promise((r) => setTimeout(r, 2000));
      expect(await serviceIps(ns, 'late')).toEqual([]);
      const run = await finish(await start(client, 'restart-controller'), 'restart-controller-hung');
      expect(run.failure).toBeUndefined();
      expect(isAlive(hung.pid!)).toBe(false);
      const late = await waitForIp(ns, 'late');
      expect(late[0]).toMatch(/^192\.0\.2\./);
      const after = await allServiceIps();
      for (const [key, ips] of Object.entries(before)) expect(after[key], key).toEqual(ips);
      await expectClusterClean();
    } finally {
      if (isAlive(hung.pid!)) process.kill(hung.pid!, 'SIGCONT');
    }
  });

  it('with a Service pending on a request no pool serves: succeeds, reports it as pending before', async () => {
    await createLoadBalancer(ns, 'wants-200', {
      spec: { type: 'LoadBalancer', loadBalancerIP: '198.51.100.200', ports: [{ name: 'http', port: 80 }] },
    });
    try {
      await eventually('the pending Service to be seen by the controller', async () =>
        (await serviceEvents(ns, 'wants-200')).some((e) => e.reason === 'AllocationFailed') ? true : undefined,
      );
      const before = await allServiceIps();
      const run = await finish(await start(client, 'restart-controller'), 'restart-controller-pending-service');
      expect(run.failure).toBeUndefined();
      expect(run.progress.steps.every((s) => s.status === 'done')).toBe(true);
      expect(run.result!.checks).toContain(`pending before the run, left alone: ${ns}/wants-200`);
      expect(
        run.result!.checks.some((c) => c.includes('198.51.100.200') && c.includes('reported, not failed on')),
      ).toBe(true);
      expect(await serviceIps(ns, 'wants-200')).toEqual([]);
      const after = await allServiceIps();
      for (const [key, ips] of Object.entries(before)) expect(after[key], key).toEqual(ips);
    } finally {
      await labClients().core.deleteNamespacedService({ namespace: ns, name: 'wants-200' });
    }
  });
});
