import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiextensionsV1Api } from '@kubernetes/client-node';
import type { Client, Connection } from '@temporalio/client';
import { labConfig } from '../../lab/config.js';
import { eventually, lab, labClients, uniqueName, createServedPool } from './helpers.js';
import {
  allServiceIps,
  configSpecs,
  createConfig,
  expectClusterClean,
  finish,
  labToken,
  deleteAllMetallbConfig,
  start,
  removeNamespace,
  type RunningWorker,
} from './fix-helpers.js';
import { closeRunbookSession, openRunbookSession } from './fix-helpers.js';

const peerCrd = 'bgppeers.metallb.io';

/** The apiVersion an object is encoded at in etcd, read straight from the lab's etcd. */
async function storedApiVersion(plural: string, name: string): Promise<string> {
  const port = labConfig({ name: lab().name }).ports.etcdClient;
  const key = Buffer.from(`/registry/metallb.io/${plural}/${lab().namespace}/${name}`).toString('base64');
  const response = await fetch(`http://127.0.0.1:${port}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key }),
  });
  const body = (await response.json()) as { kvs?: { value: string }[] };
  const value = body.kvs?.[0]?.value;
  if (!value) throw new Error(`${plural}/${name} not in etcd`);
  return (JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as { apiVersion: string }).apiVersion;
}

/** Makes `version` the storage version of the BGPPeer CRD (what an old MetalLB install had). */
async function setPeerStorageVersion(version: string): Promise<void> {
  const ext = labClients().kc.makeApiClient(ApiextensionsV1Api);
  const crd = await ext.readCustomResourceDefinition({ name: peerCrd });
  for (const v of crd.spec.versions) v.storage = v.name === version;
  await ext.replaceCustomResourceDefinition({ name: peerCrd, body: crd });
  // The API server re-initialises the storage (429 for a moment) before it serves the kind again.
  const { custom, namespace } = labClients();
  await eventually('BGPPeers to be served again', async () => {
    for (const v of ['v1beta1', 'v1beta2'])
      await custom.listNamespacedCustomObject({ group: 'metallb.io', version: v, namespace, plural: 'bgppeers' });
    return true;
  });
}

async function storedVersions(): Promise<string[]> {
  const ext = labClients().kc.makeApiClient(ApiextensionsV1Api);
  return (await ext.readCustomResourceDefinition({ name: peerCrd })).status?.storedVersions ?? [];
}

describe('fix reapply-config (in place) on the lab', () => {
  const ns = uniqueName('fix-inplace');
  let worker: RunningWorker;
  let client: Client;
  let connection: Connection;

  beforeAll(async () => {
    await createServedPool({
      namespace: ns,
      pool: 'ip-pool',
      addresses: ['203.0.113.0/28'],
      advertisement: 'ip-l2',
      services: ['web'],
    });
    ({ worker, client, connection } = await openRunbookSession());
  });

  afterAll(async () => {
    await setPeerStorageVersion('v1beta2');
    await closeRunbookSession({ worker, connection });
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
  });

  it('on a healthy lab: rewrites nothing that is already current, deletes nothing, changes no IP', async () => {
    const [ipsBefore, specsBefore] = [await allServiceIps(), await configSpecs()];
    const run = await finish(
      await start(client, 'reapply-config', { mode: 'in-place' }),
      'reapply-config-in-place-healthy',
    );
    expect(run.failure).toBeUndefined();
    expect(run.progress.steps.find((s) => s.id === 'rewrite-config')?.detail).toBe(
      '0 of 2 object(s) re-encoded; the others were already current',
    );
    expect(await configSpecs()).toEqual(specsBefore);
    expect(await allServiceIps()).toEqual(ipsBefore);
  });

  it('a BGPPeer still stored as v1beta1: re-encoded as v1beta2 in etcd, the CRD storedVersions trimmed', async () => {
    await setPeerStorageVersion('v1beta1');
    await createConfig('BGPPeer', 'old-peer', { myASN: 64512, peerASN: 64513, peerAddress: '192.0.2.254' }, 'v1beta1');
    await setPeerStorageVersion('v1beta2');
    expect(await storedApiVersion('bgppeers', 'old-peer')).toBe('metallb.io/v1beta1');
    expect(await storedVersions()).toContain('v1beta1');
    const [ipsBefore, specsBefore] = [await allServiceIps(), await configSpecs()];

    const run = await finish(
      await start(client, 'reapply-config', { mode: 'in-place' }),
      'reapply-config-in-place-stored-v1beta1',
    );
    expect(run.failure).toBeUndefined();
    expect(run.history).not.toContain(labToken());
    expect(await storedApiVersion('bgppeers', 'old-peer')).toBe('metallb.io/v1beta2');
    expect(await storedVersions()).toEqual(['v1beta2']);
    expect(run.result!.changes).toContain('CRD bgppeers.metallb.io storedVersions [v1beta2,v1beta1] -> [v1beta2]');
    expect(run.result!.changes.some((c) => c.startsWith('BGPPeer/old-peer rewritten at the storage version'))).toBe(
      true,
    );
    // Same objects (same uids, same specs), same IPs: nothing was deleted. Written at v1beta2, the peer
    // also keeps the defaults v1beta2's schema gives (the API server persists them on that write).
    const peer = specsBefore['bgppeers/old-peer']!;
    const v1beta2Defaults = { disableMP: false, dualStackAddressFamily: false, peerPort: 179 };
    const peerAfter = { ...peer, spec: { ...v1beta2Defaults, ...(peer.spec as object) } };
    expect(await configSpecs()).toEqual({ ...specsBefore, 'bgppeers/old-peer': peerAfter });
    expect(await allServiceIps()).toEqual(ipsBefore);
    await expectClusterClean();
  });
});
