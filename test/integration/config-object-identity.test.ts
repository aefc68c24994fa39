import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { createConfigObject } from '../../activities/create-config-object.js';
import { deleteConfigObject } from '../../activities/delete-config-object.js';
import { restoreConfigObject } from '../../activities/restore-config-object.js';
import { kubeApis } from '../../kube/apis.js';
import { exportMetallbConfig } from '../../kube/export-config.js';
import { createPool, deleteAllMetallbConfig, eventually, labClients } from './helpers.js';

/**
 * Retries a retryable failure as Temporal would for the activity. Needed for 409s: the webhook call
 * sits between an activity's read and its write, and the controller writes pool status at any time.
 */
async function asTemporalRetries<T>(activity: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await activity();
    } catch (error) {
      const conflict = error instanceof ApplicationFailure && error.type === 'KubeConflict' && !error.nonRetryable;
      if (!conflict || attempt >= attempts) throw error;
    }
  }
}

const metallb = { group: 'metallb.io', version: 'v1beta1', plural: 'ipaddresspools' };

async function readPool(name: string) {
  const { custom, namespace } = labClients();
  return (await custom.getNamespacedCustomObject({ ...metallb, namespace, name })) as {
    metadata: { uid: string; generation: number };
    spec: { addresses: string[]; autoAssign?: boolean };
  };
}

async function backupEntryOf(name: string) {
  const { kc, namespace } = labClients();
  const backup = await exportMetallbConfig(kubeApis(kc), { namespace });
  return backup.objects.find((e) => e.kind === 'IPAddressPool' && e.name === name)!;
}

/** What a GitOps tool does between our backup and our delete: delete the object and create it anew. */
async function recreateBehindOurBack(name: string, addresses: string[]): Promise<void> {
  const { custom, namespace } = labClients();
  await custom.deleteNamespacedCustomObject({ ...metallb, namespace, name });
  await eventually(`${name} to be gone`, async () => {
    const list = (await custom.listNamespacedCustomObject({ ...metallb, namespace })) as {
      items: { metadata: { name: string } }[];
    };
    return list.items.some((pool) => pool.metadata.name === name) ? undefined : true;
  });
  await createPool(name, addresses);
}

describe('deleteConfigObject deletes only the object that was backed up (UID precondition)', () => {
  beforeEach(deleteAllMetallbConfig);
  afterAll(deleteAllMetallbConfig);

  it('leaves an object re-created since the backup untouched and fails with ConfigObjectChanged', async () => {
    await createPool('id-pool', ['192.0.2.0/28']);
    const stale = await backupEntryOf('id-pool');
    await recreateBehindOurBack('id-pool', ['192.0.2.16/28']);
    const newer = await readPool('id-pool');
    expect(newer.metadata.uid).not.toBe(stale.uid);

    const failure = await deleteConfigObject(kubeApis(labClients().kc), stale).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe('ConfigObjectChanged');
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect((failure as ApplicationFailure).message).toContain('IPAddressPool/id-pool');

    const after = await readPool('id-pool');
    expect(after.metadata.uid).toBe(newer.metadata.uid);
    // generation, not resourceVersion: the controller writes the pool's status at any time.
    expect(after.metadata.generation).toBe(newer.metadata.generation);
    expect(after.spec.addresses).toEqual(['192.0.2.16/28']);
  });

  it('deletes the backed-up object, and a retry of that delete is a harmless no-op', async () => {
    await createPool('id-pool', ['192.0.2.0/28']);
    const entry = await backupEntryOf('id-pool');
    const kube = kubeApis(labClients().kc);
    expect(await deleteConfigObject(kube, entry)).toMatchObject({ ref: 'IPAddressPool/id-pool', deleted: true });
    expect(await deleteConfigObject(kube, entry)).toMatchObject({ ref: 'IPAddressPool/id-pool', deleted: false });
  });

  it("compensation's restore leaves an object someone else re-created since the backup untouched", async () => {
    await createPool('id-pool', ['192.0.2.0/28']);
    const stale = await backupEntryOf('id-pool');
    await recreateBehindOurBack('id-pool', ['192.0.2.16/28']);
    const newer = await readPool('id-pool');
    const kube = kubeApis(labClients().kc);
    expect(await restoreConfigObject(kube, { entry: stale, holdAutoAssign: true })).toEqual({
      ref: 'IPAddressPool/id-pool',
      action: 'kept-newer',
    });
    const after = await readPool('id-pool');
    // generation, not resourceVersion: the controller writes the pool's status at any time.
    expect(after.metadata.generation).toBe(newer.metadata.generation);
    expect(after.spec.addresses).toEqual(['192.0.2.16/28']);
  });

  it('restore still brings back the backed-up spec on an object this tool re-created', async () => {
    await createPool('id-pool', ['192.0.2.0/28']);
    const entry = await backupEntryOf('id-pool');
    const kube = kubeApis(labClients().kc);
    await deleteConfigObject(kube, entry);
    await createConfigObject(kube, { entry, holdAutoAssign: true });
    expect((await readPool('id-pool')).spec).toMatchObject({ autoAssign: false });
    expect(await asTemporalRetries(() => restoreConfigObject(kube, { entry, holdAutoAssign: false }))).toEqual({
      ref: 'IPAddressPool/id-pool',
      action: 'replaced',
    });
    expect((await readPool('id-pool')).spec.addresses).toEqual(['192.0.2.0/28']);
  });
});
