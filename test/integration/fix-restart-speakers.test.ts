import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Client, Connection } from '@temporalio/client';
import { lab, labClients, uniqueName, createServedPool } from './helpers.js';
import {
  allServiceIps,
  expectClusterClean,
  finish,
  labToken,
  deleteAllMetallbConfig,
  start,
  removeNamespace,
  type RunningWorker,
} from './fix-helpers.js';
import { closeRunbookSession, openRunbookSession } from './fix-helpers.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

async function speakerPods() {
  const { core, namespace } = labClients();
  return (await core.listNamespacedPod({ namespace, labelSelector: 'app=metallb,component=speaker' })).items.filter(
    (p) => !p.metadata?.deletionTimestamp,
  );
}

/** What a stale speaker on kwok-node-0 reports: its ConfigurationState, owned by its pod, Invalid. */
async function reportInvalidSpeakerState(): Promise<string> {
  const { custom, namespace } = labClients();
  const pod = (await speakerPods()).find((p) => p.spec?.nodeName === 'kwok-node-0')!;
  const name = 'speaker-kwok-node-0';
  const params = { group: 'metallb.io', version: 'v1beta1', namespace, plural: 'configurationstates' };
  const owner = { apiVersion: 'v1', kind: 'Pod', name: pod.metadata!.name!, uid: pod.metadata!.uid!, controller: true };
  const labels = { 'metallb.io/component-type': 'speaker', 'metallb.io/node-name': 'kwok-node-0' };
  await custom.createNamespacedCustomObject({
    ...params,
    body: {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'ConfigurationState',
      metadata: { name, labels, ownerReferences: [owner] },
    },
  });
  const status = { result: 'Invalid', errorSummary: 'configuration error: general handler sync state error' };
  await custom.patchNamespacedCustomObjectStatus({ ...params, name, body: { status } }, mergePatch);
  return pod.metadata!.name!;
}

describe('fix restart-speakers on the lab', () => {
  const ns = uniqueName('fix-rs');
  let worker: RunningWorker;
  let client: Client;
  let connection: Connection;

  beforeAll(async () => {
    await createServedPool({
      namespace: ns,
      pool: 'rs-pool',
      addresses: ['198.51.100.0/28'],
      advertisement: 'rs-l2',
      services: ['web'],
    });
    ({ worker, client, connection } = await openRunbookSession());
  });

  afterAll(async () => {
    await closeRunbookSession({ worker, connection });
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
  });

  it('on a healthy lab: every node gets a new ready speaker and no IP changes', async () => {
    const before = await allServiceIps();
    const oldPods = (await speakerPods()).map((p) => p.metadata!.name!);
    const run = await finish(await start(client, 'restart-speakers'), 'restart-speakers-healthy');
    expect(run.failure).toBeUndefined();
    const now = await speakerPods();
    expect(now.map((p) => p.spec?.nodeName).sort()).toEqual([...lab().nodes].sort());
    expect(now.filter((p) => oldPods.includes(p.metadata!.name!))).toEqual([]);
    expect(await allServiceIps()).toEqual(before);
    expect(run.history).not.toContain(labToken());
    await expectClusterClean();
  });

  it('a speaker reporting a rejected config: the report goes with the replaced pod, the run verifies it', async () => {
    const before = await allServiceIps();
    const stalePod = await reportInvalidSpeakerState();
    const { custom, namespace } = labClients();
    const params = { group: 'metallb.io', version: 'v1beta1', namespace, plural: 'configurationstates' };
    const reported = (await custom.getNamespacedCustomObject({ ...params, name: 'speaker-kwok-node-0' })) as {
      status: { result: string };
    };
    expect(reported.status.result).toBe('Invalid');
    const run = await finish(await start(client, 'restart-speakers'), 'restart-speakers-invalid-state');
    expect(run.failure).toBeUndefined();
    const verify = run.progress.steps.find((s) => s.id === 'verify-logs')!;
    expect(verify.status).toBe('done');
    const states = (await custom.listNamespacedCustomObject(params)) as {
      items: { metadata: { name: string; ownerReferences?: { name: string }[] } }[];
    };
    expect(states.items.filter((s) => s.metadata.ownerReferences?.some((o) => o.name === stalePod))).toEqual([]);
    expect(await allServiceIps()).toEqual(before);
  });

  it('fails, saying what it expected and saw, when a speaker state stays Invalid past the deadline', async () => {
    const { custom, namespace } = labClients();
    const params = { group: 'metallb.io', version: 'v1beta1', namespace, plural: 'configurationstates' };
    // A pre-0.16 state object has no owner, so no restart makes it go away.
    await custom.createNamespacedCustomObject({
      ...params,
      body: {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'ConfigurationState',
        metadata: { name: 'speaker-kwok-node-1', labels: { 'metallb.io/component-type': 'speaker' } },
      },
    });
    await custom.patchNamespacedCustomObjectStatus(
      {
        ...params,
        name: 'speaker-kwok-node-1',
        body: {
          status: {
            result: 'Invalid',
            errorSummary: 'configuration error: peer peer1 referencing non existing bfd profile x',
          },
        },
      },
      mergePatch,
    );
    try {
      const run = await finish(
        await start(client, 'restart-speakers', { limits: { logsSeconds: 3 } }),
        'restart-speakers-verification-failed',
      );
      expect(run.failure).toMatch(
        new RegExp(
          'timed out at .* waiting for every speaker ConfigurationState .*; last seen: speaker-kwok-node-1 ' +
            'reports Invalid: configuration error: peer peer1 referencing non existing bfd profile x',
        ),
      );
      expect(run.progress.phase).toBe('failed');
      expect(run.progress.steps.find((s) => s.id === 'verify-logs')?.status).toBe('failed');
    } finally {
      await custom.deleteNamespacedCustomObject({ ...params, name: 'speaker-kwok-node-1' });
    }
  });

  it('on an OnDelete DaemonSet: refuses before any write, the DaemonSet unchanged', async () => {
    const { apps, namespace } = labClients();
    const name = 'speaker';
    const setStrategy = (type: string) =>
      apps.patchNamespacedDaemonSet(
        { namespace, name, body: { spec: { updateStrategy: { type, rollingUpdate: null } } } },
        mergePatch,
      );
    await setStrategy('OnDelete');
    try {
      const before = await apps.readNamespacedDaemonSet({ namespace, name });
      const run = await finish(await start(client, 'restart-speakers'), 'restart-speakers-on-delete');
      expect(run.failure).toMatch(
        /^Restart the speakers .*: DaemonSet \S+ uses updateStrategy OnDelete: .*nothing was changed/,
      );
      expect(run.progress.steps.find((s) => s.id === 'restart')?.status).toBe('failed');
      const after = await apps.readNamespacedDaemonSet({ namespace, name });
      expect(after.metadata?.generation).toBe(before.metadata?.generation);
      // The status may move on (the controller observes the strategy change); the spec must not.
      expect(after.spec?.template.metadata?.annotations).toEqual(before.spec?.template.metadata?.annotations);
    } finally {
      await setStrategy('RollingUpdate');
    }
  });
});
