// Each runbook's final check is scoped to what it touched: an orphan it was not asked to clean, or
// a Service someone else created during the run, is reported and never fails the run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Client, Connection } from '@temporalio/client';
import { isAlive } from '../../lab/processes.js';
import { readControllerState } from '../../lab/record.js';
import {
  createLoadBalancer,
  lab,
  labClients,
  stopProcess,
  uniqueName,
  createServedPool,
  eventually,
  withWebhookOff,
} from './helpers.js';
import {
  closeRunbookSession,
  deleteAllMetallbConfig,
  finish,
  openRunbookSession,
  removeNamespace,
  serviceIps,
  start,
  waitForStep,
  type RunningWorker,
} from './fix-helpers.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const strayIp = '203.0.113.77';
// Short waits: on the old, unscoped check each of these runs timed out waiting for the stray.
const limits = { serviceIpsSeconds: 5 };

describe('final checks are scoped to what the runbook touched', () => {
  const ns = uniqueName('fix-scope');
  let worker: RunningWorker;
  let client: Client;
  let connection: Connection;

  beforeAll(async () => {
    await createServedPool({
      namespace: ns,
      pool: 'sc-pool',
      addresses: ['192.0.2.32/28'],
      advertisement: 'sc-l2',
      services: ['web', 'stray', 'stale'],
    });
    ({ worker, client, connection } = await openRunbookSession());
  });

  afterAll(async () => {
    await closeRunbookSession({ worker, connection });
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
  });

  /** Stops the controller and gives `stray` an ingress IP in no pool: an orphan that stays while it is stopped. */
  async function withStrayOrphan(body: (controllerPid: number) => Promise<void>): Promise<void> {
    const controller = readControllerState(lab().stateDir)!;
    await stopProcess(controller.pid!);
    try {
      await labClients().core.patchNamespacedServiceStatus(
        { namespace: ns, name: 'stray', body: { status: { loadBalancer: { ingress: [{ ip: strayIp }] } } } },
        mergePatch,
      );
      await body(controller.pid!);
    } finally {
      if (isAlive(controller.pid!)) process.kill(controller.pid!, 'SIGCONT');
    }
    // Until the controller has replaced the stray IP: its late write must not land in the next test,
    // after that test has set the stray IP again (seen in CI: the next run's snapshot held a pool IP).
    await eventually(`the controller to replace ${strayIp} on ${ns}/stray`, async () => {
      const ips = await serviceIps(ns, 'stray');
      return ips.length > 0 && !ips.includes(strayIp) ? ips : undefined;
    });
  }

  it('cleanup-orphans --service of one orphan while another exists: succeeds and leaves the other alone', async () => {
    const stale = await serviceIps(ns, 'stale');
    await labClients().core.patchNamespacedService(
      {
        namespace: ns,
        name: 'stale',
        body: { metadata: { annotations: { 'metallb.universe.tf/ip-allocated-from-pool': 'retired-pool' } } },
      },
      mergePatch,
    );
    await withStrayOrphan(async () => {
      const handle = await start(client, 'cleanup-orphans', { services: [`${ns}/stale`], limits });
      const run = await finish(handle, 'cleanup-orphans-one-of-two');
      expect(run.failure).toBeUndefined();
      expect(run.result!.changes).toEqual([`${ns}/stale: removed metallb.universe.tf/ip-allocated-from-pool`]);
      expect(await serviceIps(ns, 'stray')).toEqual([strayIp]);
      expect(await serviceIps(ns, 'stale')).toEqual(stale);
    });
  });

  it('reapply-config (in place) does not fail on an unrelated orphan, and reports it', async () => {
    // Webhook off: the run rewrites config while the controller is stopped, and a stopped controller's
    // webhook times out every write (as in a cluster); this test is about the scope of the final check.
    await withWebhookOff(() =>
      withStrayOrphan(async () => {
        const run = await finish(
          await start(client, 'reapply-config', { mode: 'in-place', limits }),
          'scoped-in-place',
        );
        expect(run.failure).toBeUndefined();
        expect(run.result!.checks).toContain(`holding an IP in no pool before the run, left alone: ${ns}/stray`);
        expect(await serviceIps(ns, 'stray')).toEqual([strayIp]);
      }),
    );
  });

  it('restart-speakers does not fail on an unrelated orphan, and reports it', async () => {
    await withStrayOrphan(async () => {
      const run = await finish(await start(client, 'restart-speakers', { limits }), 'scoped-restart-speakers');
      expect(run.failure).toBeUndefined();
      expect(run.result!.checks).toContain(`holding an IP in no pool before the run, left alone: ${ns}/stray`);
      expect(await serviceIps(ns, 'stray')).toEqual([strayIp]);
    });
  });

  it('a Service someone else creates during cleanup-orphans does not fail it; it is reported', async () => {
    const controller = readControllerState(lab().stateDir)!;
    await stopProcess(controller.pid!);
    try {
      await createLoadBalancer(ns, 'asks-away', {
        spec: { type: 'LoadBalancer', loadBalancerIP: '198.51.100.7', ports: [{ name: 'http', port: 80 }] },
      });
      const handle = await start(client, 'cleanup-orphans', { services: [`${ns}/asks-away`] });
      await waitForStep(handle, 'wait-new-ips', 'running');
      // Someone else's Service, with an IP inside the pool before the controller is back.
      await createLoadBalancer(ns, 'newcomer');
      await labClients().core.patchNamespacedServiceStatus(
        { namespace: ns, name: 'newcomer', body: { status: { loadBalancer: { ingress: [{ ip: '192.0.2.40' }] } } } },
        mergePatch,
      );
      process.kill(controller.pid!, 'SIGCONT');
      const run = await finish(handle, 'cleanup-orphans-newcomer');
      expect(run.failure).toBeUndefined();
      expect(run.result!.checks).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^IP changed during the run, on a Service this run did not change: ${ns}/newcomer <none> -> 192\\.0\\.2\\.`,
          ),
        ),
      );
      expect((await serviceIps(ns, 'asks-away'))[0]).toMatch(/^192\.0\.2\./);
    } finally {
      if (isAlive(controller.pid!)) process.kill(controller.pid!, 'SIGCONT');
    }
  });
});
