import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Client, Connection } from '@temporalio/client';
import { isAlive } from '../../lab/processes.js';
import { readControllerState } from '../../lab/record.js';
import {
  createLoadBalancer,
  createPool,
  eventually,
  lab,
  labClients,
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
  waitForStep,
  removeNamespace,
  type RunningWorker,
} from './fix-helpers.js';
import { closeRunbookSession, openRunbookSession } from './fix-helpers.js';
import { diagnoseLab } from './diagnose-helpers.js';

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
    await createServedPool({
      namespace: ns,
      pool: 'op-pool',
      addresses: ['192.0.2.16/28'],
      advertisement: 'op-l2',
      services: ['web', 'api'],
    });
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
      `Find the orphaned Services: Service ${ns}/web is healthy (${before[`${ns}/web`]![0]} is inside an IPAddressPool it may use); cleanup-orphans never touches healthy Services`,
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
    await stopProcess(controller.pid!);
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

  it('on a serviceAllocation and a split-across-pools orphan: runs the fix diagnose prints, each ends in a pool that fits', async () => {
    const { core, custom, namespace } = labClients();
    // The team pool only serves another namespace; the side pool never hands out IPs by itself.
    await createPool('op-team', ['198.51.100.16/28'], { serviceAllocation: { namespaces: ['someone-else'] } });
    await createPool('op-side', ['203.0.113.16/28'], { autoAssign: false });
    for (const name of ['alloc', 'split']) await createLoadBalancer(ns, name);
    const [splitOwn] = await waitForIp(ns, 'split');
    await waitForIp(ns, 'alloc');
    const before = await allServiceIps();
    const controller = readControllerState(lab().stateDir)!;
    await stopProcess(controller.pid!);
    try {
      const ingress = (ips: string[]) => ({ status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } } });
      // Patched until it reads back: a status write the controller sent just before it stopped may land after ours.
      const holdIngress = (name: string, ips: string[]) =>
        eventually(`${name} to hold ${ips.join(', ')}`, async () => {
          await core.patchNamespacedServiceStatus({ namespace: ns, name, body: ingress(ips) }, mergePatch);
          await new Promise((resolve) => setTimeout(resolve, 200));
          return JSON.stringify(await serviceIps(ns, name)) === JSON.stringify(ips) ? true : undefined;
        });
      await holdIngress('alloc', ['198.51.100.20']);
      await holdIngress('split', [splitOwn!, '203.0.113.20']);
      const report = await diagnoseLab(Date.now() - 60_000);
      const orphanReasons = report.findings
        .filter((f) => f.id === 'orphaned-ip')
        .map((f) => `${f.objects[0]!.name}: ${String((f.data as { reason: string }).reason)}`)
        .sort();
      const seen = JSON.stringify(report.findings.map((f) => f.title));
      expect(orphanReasons, seen).toEqual(['alloc: service-allocation', 'split: split-across-pools']);
      // What diagnose tells the operator to run, as it prints it.
      const targets = report.findings
        .flatMap((f) => (f.fix?.runbook === 'cleanup-orphans' ? [/--service (\S+)$/.exec(f.fix.command)![1]!] : []))
        .sort();
      expect(targets).toEqual([`${ns}/alloc`, `${ns}/split`]);

      const handle = await start(client, 'cleanup-orphans', { services: targets });
      await waitForStep(handle, 'clear-ingress', 'done');
      expect(await serviceIps(ns, 'alloc')).toEqual([]);
      expect(await serviceIps(ns, 'split')).toEqual([]);
      process.kill(controller.pid!, 'SIGCONT');
      const run = await finish(handle, 'cleanup-orphans-allocation-and-split');
      expect(run.failure).toBeUndefined();
      for (const name of ['alloc', 'split']) {
        const ips = await serviceIps(ns, name);
        // op-pool is the only pool that fits: op-team excludes this namespace, op-side does not auto-assign.
        expect(ips, name).toHaveLength(1);
        expect(ips[0], name).toMatch(/^192\.0\.2\.(1[6-9]|2\d|3[01])$/);
      }
      const after = await allServiceIps();
      for (const [key, ips] of Object.entries(before))
        if (![`${ns}/alloc`, `${ns}/split`].includes(key)) expect(after[key], key).toEqual(ips);
      const again = await diagnoseLab(Date.now() - 1_000);
      expect(again.findings.filter((f) => f.id === 'orphaned-ip')).toEqual([]);
    } finally {
      if (isAlive(controller.pid!)) process.kill(controller.pid!, 'SIGCONT');
      for (const name of ['op-team', 'op-side'])
        await custom
          .deleteNamespacedCustomObject({
            group: 'metallb.io',
            version: 'v1beta1',
            namespace,
            plural: 'ipaddresspools',
            name,
          })
          .catch(() => undefined);
    }
  });
});
