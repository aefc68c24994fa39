import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { jsonPatch } from '../../kube/apis.js';
import { kubeCall } from '../../kube/call.js';
import { createNamespace, labClients, removeNamespace, uniqueName } from './helpers.js';

// The classification of the answers that matter, as the real API server gives them (not hand-made bodies).
describe('Kubernetes API errors from the lab API server', () => {
  const { core } = labClients();
  const namespace = uniqueName('kube-errors');

  beforeAll(async () => {
    await createNamespace(namespace);
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'subject' }, data: { key: 'current' } },
    });
  });
  afterAll(async () => {
    await removeNamespace(namespace);
  });

  const failureOf = async (call: () => Promise<unknown>): Promise<ApplicationFailure> => {
    const error: unknown = await kubeCall('test call', call).then(
      () => new Error('the call succeeded'),
      (failure: unknown) => failure,
    );
    if (!(error instanceof ApplicationFailure)) throw error as Error;
    return error;
  };

  it('a JSON-patch test that no longer holds is retryable (the activity re-reads on retry)', async () => {
    const body = [
      { op: 'test', path: '/data/key', value: 'stale' },
      { op: 'remove', path: '/data/key' },
    ];
    const failure = await failureOf(() =>
      core.patchNamespacedConfigMap({ namespace, name: 'subject', body }, jsonPatch),
    );
    expect(failure).toMatchObject({ type: 'KubePatchTestFailed', nonRetryable: false });
    const unchanged = await core.readNamespacedConfigMap({ namespace, name: 'subject' });
    expect(unchanged.data).toEqual({ key: 'current' });
  });

  it('an invalid object (422) and a missing one (404) are not retryable', async () => {
    const invalid = await failureOf(() =>
      core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'Not_A_Valid_Name' } } }),
    );
    expect(invalid).toMatchObject({ type: 'KubeInvalid', nonRetryable: true });
    const missing = await failureOf(() => core.readNamespacedConfigMap({ namespace, name: 'absent' }));
    expect(missing).toMatchObject({ type: 'KubeNotFound', nonRetryable: true });
  });

  it('a conflict on update (409) is retryable', async () => {
    const current = await core.readNamespacedConfigMap({ namespace, name: 'subject' });
    const stale = { ...current, metadata: { ...current.metadata, resourceVersion: '1' } };
    const conflict = await failureOf(() =>
      core.replaceNamespacedConfigMap({ namespace, name: 'subject', body: stale }),
    );
    expect(conflict).toMatchObject({ type: 'KubeConflict', nonRetryable: false });
  });
});
