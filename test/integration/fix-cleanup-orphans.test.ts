import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Client, Connection } from '@temporalio/client';
import { isAlive } from '../../lab/processes.js';
import { readControllerState } from '../../lab/record.js';
import {
  createL2Advertisement,
  createLoadBalancer,
  createNamespace,
  createPool,
  lab,
  labClients,
  uniqueName,
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
  waitForStep,
  removeNamespace,
  type RunningWorker,
} from './fix-helpers.js';
import { closeRunbookSession, openRunbookSession } from './fix-helpers.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const lbSpec = (extra: Record<string, unknown> = {}) => ({
  type: 'LoadBalancer',
  ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
  ...extra,
});

describe('fix cleanup-orphans on the lab', () => {
  const ns = uniqueName('fix-orphans');
  let worker: RunningWorker;
  let client: Client;
  let connection: Connection;
  const annotations = async (name: string) =>
    (await labClients().core.readNamespacedService({ namespace: ns, name })).metadata?.annotations ?? {};

  beforeAll(async () => {
    await deleteAllMetallbConfig();
    await createNamespace(ns);
    await createPool('op-pool', ['192.0.2.16/28']);
    await createL2Advertisement('op-l2', ['op-pool']);
    for (const name of ['web', 'api']) {
      await createLoadBalancer(ns, name);
      await waitForIp(ns, name);
    }
    ({ worker, client, connection } = await openRunbookSession());
  });

  afterAll(async () => {
    await closeRunbookSession({ worker, connection });
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
  });

  it('on a healthy lab: finds no orphan and changes nothing', async () => {
    const before = await allServiceIps();
    const run = await finish(await start(client, 'cleanup-orphans', { services: [] }), 'cleanup-orphans-healthy');
    expect(run.result?.summary).toBe('no orphaned Service found; nothing changed');
    expect(run.progress.steps.filter((s) => s.status === 'skipped').map((s) => s.id)).toEqual([
      'release-requests',
      'clear-ingress',
      'wait-new-ips',
    ]);
    expect(await allServiceIps()).toEqual(before);
  });

  it('refuses a healthy Service named with --service, touching nothing', async () => {
    const before = await allServiceIps();
    const run = await finish(
      await start(client, 'cleanup-orphans', { services: [`${ns}/web`] }),
      'cleanup-orphans-refused',
    );
    expect(run.failure).toBe(
      `Find the orphaned Services: Service ${ns}/web is healthy (${before[`${ns}/web`]![0]} is inside an IPAddressPool); cleanup-orphans never touches healthy Services`,
    );
    expect(await allServiceIps()).toEqual(before);
  });

  it('on orphans of every kind: removes what no pool can serve, each gets a new IP inside a pool, reported old -> new', async () => {
    const { core } = labClients();
    const healthyBefore = await allServiceIps();
    await createLoadBalancer(ns, 'pinned-away', { spec: lbSpec({ loadBalancerIP: '198.51.100.7' }) });
    await createLoadBalancer(ns, 'annotated-away', {
      metadata: { name: 'annotated-away', annotations: { 'metallb.io/loadBalancerIPs': '203.0.113.9' } },
    });
    await createLoadBalancer(ns, 'old-pool', {
      metadata: { name: 'old-pool', annotations: { 'metallb.universe.tf/address-pool': 'retired-pool' } },
    });
    await createLoadBalancer(ns, 'stale-from');
    const staleIp = await waitForIp(ns, 'stale-from');
    await core.patchNamespacedService(
      {
        namespace: ns,
        name: 'stale-from',
        body: { metadata: { annotations: { 'metallb.universe.tf/ip-allocated-from-pool': 'retired-pool' } } },
      },
      mergePatch,
    );
    await new Promise((r) => setTimeout(r, 1000));
    for (const name of ['pinned-away', 'annotated-away', 'old-pool'])
      expect(await serviceIps(ns, name), name).toEqual([]);

    const run = await finish(await start(client, 'cleanup-orphans', { services: [] }), 'cleanup-orphans-drifted');
    expect(run.failure).toBeUndefined();
    expect(run.history).not.toContain(labToken());
    for (const name of ['pinned-away', 'annotated-away', 'old-pool']) {
      const [ip] = await serviceIps(ns, name);
      expect(ip, name).toMatch(/^192\.0\.2\.(1[6-9]|2\d|3[01])$/);
      expect(run.result!.summary).toContain(`${ns}/${name} <none> -> ${ip}`);
    }
    expect(
      (await core.readNamespacedService({ namespace: ns, name: 'pinned-away' })).spec?.loadBalancerIP,
    ).toBeUndefined();
    expect(await annotations('annotated-away')).not.toHaveProperty('metallb.io/loadBalancerIPs');
    expect(await annotations('old-pool')).not.toHaveProperty('metallb.universe.tf/address-pool');
    expect(await annotations('stale-from')).not.toHaveProperty('metallb.universe.tf/ip-allocated-from-pool');
    expect(await serviceIps(ns, 'stale-from')).toEqual(staleIp);
    const after = await allServiceIps();
    for (const [key, ips] of Object.entries(healthyBefore)) expect(after[key], key).toEqual(ips);
    await expectClusterClean();
  });

  it('on an ingress IP in no pool (controller hung): clears it through the status subresource and waits for a new one', async () => {
    await createLoadBalancer(ns, 'ghost');
    await waitForIp(ns, 'ghost');
    const before = await allServiceIps();
    const controller = readControllerState(lab().stateDir)!;
    process.kill(controller.pid!, 'SIGSTOP');
    try {
      await labClients().core.patchNamespacedServiceStatus(
        { namespace: ns, name: 'ghost', body: { status: { loadBalancer: { ingress: [{ ip: '203.0.113.77' }] } } } },
        mergePatch,
      );
      const handle = await start(client, 'cleanup-orphans', { services: [`${ns}/ghost`] });
      await waitForStep(handle, 'clear-ingress', 'done');
      expect(await serviceIps(ns, 'ghost')).toEqual([]);
      process.kill(controller.pid!, 'SIGCONT');
      const run = await finish(handle, 'cleanup-orphans-ingress-outside-pools');
      expect(run.failure).toBeUndefined();
      const [ip] = await serviceIps(ns, 'ghost');
      expect(run.result!.summary).toContain(`${ns}/ghost 203.0.113.77 -> ${ip}`);
      const after = await allServiceIps();
      for (const [key, ips] of Object.entries(before)) if (key !== `${ns}/ghost`) expect(after[key], key).toEqual(ips);
      await expectClusterClean();
    } finally {
      if (isAlive(controller.pid!)) process.kill(controller.pid!, 'SIGCONT');
    }
  });
});
