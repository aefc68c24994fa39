// The safe-change acceptance scenarios, each through `apply` with the real planner, the real
// controller and its real webhook: widen/narrow, rename, split, merge, serviceAllocation,
// avoidBuggyIPs, deleting pools. Every run is watched (test/integration/ip-watch.ts): zero IP
// changes for healthy Services unless the test allows them, and the IP-less time is printed.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Client, Connection } from '@temporalio/client';
import type { ApplyResult } from '../../domain/runbooks/apply.js';
import { desired, finishWatched, l2, poolA, startApply, type ApplyRequest } from './apply-helpers.js';
import {
  allServiceIps,
  closeRunbookSession,
  configSpecs,
  deleteAllMetallbConfig,
  expectClusterClean,
  openRunbookSession,
  removeNamespace,
  type Finished,
  type RunningWorker,
} from './fix-helpers.js';
import { createLoadBalancer, createPool, createServedPool, uniqueName, waitForIp } from './helpers.js';
import { buildPoolIndex, parsePoolAddresses } from '../../domain/addresses.js';

const pool = (name: string, addresses: string[], extra: Record<string, unknown> = {}) =>
  desired('IPAddressPool', name, { addresses, ...extra });

describe('safe changes through apply (real planner, controller and webhook)', () => {
  let worker: RunningWorker;
  let client: Client;
  let connection: Connection;
  let ns: string;

  beforeAll(async () => {
    ({ worker, client, connection } = await openRunbookSession());
  });
  beforeEach(async () => {
    ns = uniqueName('scenario');
    await createServedPool({
      namespace: ns,
      pool: 'ap-a',
      addresses: ['192.0.2.0/29'],
      advertisement: 'ap-l2',
      services: ['s1', 's2', 's3'],
    });
  });
  afterEach(async () => {
    await removeNamespace(ns);
  });
  afterAll(async () => {
    await closeRunbookSession({ worker, client, connection });
    await deleteAllMetallbConfig();
  });

  /** One apply to its end, watched; `allowedToMove` are the Services the test lets change IP. */
  const applyWatched = (request: ApplyRequest, name: string, allowedToMove: string[] = []): Promise<Finished> =>
    finishWatched(() => startApply(client, request), name, allowedToMove);

  /** A refused change: the failure names every listed Service and nothing on the cluster changed. */
  async function expectRefused(request: ApplyRequest, name: string, mentions: string[]): Promise<void> {
    const specs = await configSpecs();
    const ips = await allServiceIps();
    const run = await applyWatched(request, name);
    expect(run.failure).toContain('nothing was written');
    for (const text of mentions) expect(run.failure).toContain(text);
    expect(await configSpecs()).toEqual(specs);
    expect(await allServiceIps()).toEqual(ips);
  }

  const key = (service: string) => `${ns}/${service}`;

  it('narrows a pool: refused, naming the Services; with --allow-ip-changes, IPs in the new range', async () => {
    const held = await allServiceIps();
    const narrowed = [poolA(['192.0.2.4/30']), l2('ap-l2', ['ap-a'])];
    // s1..s3 hold 192.0.2.0-2: all three fall outside 192.0.2.4/30.
    await expectRefused({ desired: narrowed }, 'apply-narrow-refused', [
      ...['s1', 's2', 's3'].map(key),
      ...['s1', 's2', 's3'].map((service) => held[key(service)]![0]!),
    ]);
    const moved = ['s1', 's2', 's3'].map(key);
    const run = await applyWatched({ desired: narrowed, allowIpChanges: true }, 'apply-narrow-allowed', moved);
    expect(run.failure).toBeUndefined();
    const index = buildPoolIndex([{ name: 'ap-a', intervals: okIntervals(['192.0.2.4/30']), avoidBuggyIPs: false }]);
    for (const service of moved) {
      const ips = (await allServiceIps())[service] ?? [];
      expect(ips.length, service).toBe(1);
      expect(index.poolsContaining(ips[0]!), service).toEqual(['ap-a']);
    }
    await expectClusterClean();
  });

  it('renames a pool in use: pin, swap, unpin; every Service keeps its IP', async () => {
    const before = await allServiceIps();
    const run = await applyWatched(
      { desired: [pool('ap-renamed', ['192.0.2.0/29']), l2('ap-l2', ['ap-renamed'])], prune: { all: true } },
      'apply-rename-pool',
    );
    expect(run.failure).toBeUndefined();
    const actions = (run.result as ApplyResult).steps.map((step) => step.action);
    expect(actions).toEqual(expect.arrayContaining(['pin-services', 'delete', 'create', 'unpin-services']));
    expect(Object.keys(await configSpecs())).toEqual(
      expect.arrayContaining(['ipaddresspools/ap-renamed', 'l2advertisements/ap-l2']),
    );
    expect(Object.keys(await configSpecs())).not.toContain('ipaddresspools/ap-a');
    expect(await allServiceIps()).toEqual(before);
    await expectClusterClean();
  });

  it('splits one pool into two; every Service keeps its IP', async () => {
    const before = await allServiceIps();
    const split = [pool('ap-a', ['192.0.2.0/30']), pool('ap-b', ['192.0.2.4/30']), l2('ap-l2', ['ap-a', 'ap-b'])];
    const run = await applyWatched({ desired: split, prune: { all: true } }, 'apply-split-pool');
    expect(run.failure).toBeUndefined();
    expect((await configSpecs())['ipaddresspools/ap-b']?.spec).toMatchObject({ addresses: ['192.0.2.4/30'] });
    expect(await allServiceIps()).toEqual(before);
    await expectClusterClean();
  });

  it('merges two pools into one; every Service keeps its IP', async () => {
    // ap-a stops taking new Services, so the next one is served from ap-b: both pools hold IPs.
    const setup = [
      pool('ap-a', ['192.0.2.0/29'], { autoAssign: false }),
      pool('ap-b', ['192.0.2.8/29']),
      l2('ap-l2', ['ap-a', 'ap-b']),
    ];
    expect((await applyWatched({ desired: setup }, 'apply-merge-setup')).failure).toBeUndefined();
    await createLoadBalancer(ns, 'on-b');
    expect(await waitForIp(ns, 'on-b')).toEqual(['192.0.2.8']);
    const before = await allServiceIps();
    const merged = [pool('ap-ab', ['192.0.2.0/28']), l2('ap-l2', ['ap-ab'])];
    const run = await applyWatched({ desired: merged, prune: { all: true } }, 'apply-merge-pools');
    expect(run.failure).toBeUndefined();
    const names = Object.keys(await configSpecs()).filter((name) => name.startsWith('ipaddresspools/'));
    expect(names).toEqual(['ipaddresspools/ap-ab']);
    expect(await allServiceIps()).toEqual(before);
    await expectClusterClean();
  });

  it('changes serviceAllocation: one that keeps the Services applies, one that drops them is refused', async () => {
    const keeps = { serviceAllocation: { namespaces: [ns] } };
    const run = await applyWatched(
      { desired: [pool('ap-a', ['192.0.2.0/29'], keeps), l2('ap-l2', ['ap-a'])] },
      'apply-service-allocation',
    );
    expect(run.failure).toBeUndefined();
    expect((await configSpecs())['ipaddresspools/ap-a']?.spec).toMatchObject(keeps);
    const drops = { serviceAllocation: { namespaces: ['somewhere-else'] } };
    await expectRefused(
      { desired: [pool('ap-a', ['192.0.2.0/29'], drops), l2('ap-l2', ['ap-a'])] },
      'apply-service-allocation-refused',
      [key('s1')],
    );
    await expectClusterClean();
  });

  it('turns on avoidBuggyIPs while 192.0.2.0 is in use: refused', async () => {
    const holder = Object.entries(await allServiceIps()).find(([, ips]) => ips.includes('192.0.2.0'))?.[0];
    expect(holder).toBeDefined();
    await expectRefused(
      { desired: [pool('ap-a', ['192.0.2.0/29'], { avoidBuggyIPs: true }), l2('ap-l2', ['ap-a'])] },
      'apply-avoid-buggy-ips-refused',
      [holder!, '192.0.2.0'],
    );
  });

  it('deletes a pool in use: refused', async () => {
    await createPool('ap-spare', ['198.51.100.0/28']);
    await expectRefused(
      { desired: [pool('ap-spare', ['198.51.100.0/28']), l2('ap-l2', ['ap-spare'])], prune: { all: true } },
      'apply-delete-pool-in-use-refused',
      ['ap-a'],
    );
  });
});

function okIntervals(entries: string[]) {
  const parsed = parsePoolAddresses(entries);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}
