// A BGPPeer's inline password kept on the cluster, in a Secret of MetalLB's namespace labelled with
// the run, while that run deletes and re-creates the peer: the password never enters workflow
// history, and a run that dies in between leaves it where an operator finds it.
import { passwordStashName, stashRunLabel, type BackupEntry } from '../domain/runbooks/backup.js';
import { fieldManager } from '../domain/runbooks/names.js';
import { mergePatch, objectParams, type KubeApis } from './apis.js';
import { isAlreadyExists, kubeCall, orNullIfNotFound } from './call.js';

/** Label every stash carries; `kubectl get secrets -l metallb-runbooks/password-stash` lists them. */
export const stashLabel = 'metallb-runbooks/password-stash';

/** Which stash: the backed-up peer and the run that deletes and re-creates it. */
export interface StashKey {
  entry: BackupEntry;
  /** "<workflowId>/<runId>" of the run. */
  run: string;
}

const nameOf = (key: StashKey) => passwordStashName(key.run, key.entry.name);

function stashBody(key: StashKey, password: string) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: nameOf(key),
      labels: { [stashLabel]: 'true', 'metallb-runbooks/run': stashRunLabel(key.run) },
      annotations: { 'metallb-runbooks/run': key.run, 'metallb-runbooks/password-of': `BGPPeer/${key.entry.name}` },
    },
    stringData: { password },
  };
}

/** The inline password of the live BGPPeer the entry backs up (same UID), or null. */
export async function livePassword(kube: KubeApis, entry: BackupEntry): Promise<string | null> {
  const live = (await orNullIfNotFound(
    kubeCall(`read BGPPeer/${entry.name}`, () => kube.custom.getNamespacedCustomObject(objectParams(entry))),
  )) as { metadata?: { uid?: string }; spec?: { password?: unknown } } | null;
  if (live === null || (entry.uid && live.metadata?.uid !== entry.uid)) return null;
  return typeof live.spec?.password === 'string' && live.spec.password !== '' ? live.spec.password : null;
}

/** Creates or updates the stash: safe to repeat. */
export async function stashPassword(kube: KubeApis, key: StashKey, password: string): Promise<void> {
  const namespace = key.entry.namespace;
  const body = stashBody(key, password);
  try {
    await kubeCall(`stash the password of BGPPeer/${key.entry.name}`, () =>
      kube.core.createNamespacedSecret({ namespace, body, fieldManager }),
    );
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    await kubeCall(`update the stashed password of BGPPeer/${key.entry.name}`, () =>
      kube.core.patchNamespacedSecret({ namespace, name: nameOf(key), body, fieldManager }, mergePatch),
    );
  }
}

/** The stashed password, or null when there is no stash. */
export async function stashedPassword(kube: KubeApis, key: StashKey): Promise<string | null> {
  const secret = await orNullIfNotFound(
    kubeCall(`read the stashed password of BGPPeer/${key.entry.name}`, () =>
      kube.core.readNamespacedSecret({ namespace: key.entry.namespace, name: nameOf(key) }),
    ),
  );
  const encoded = secret?.data?.['password'];
  return encoded ? Buffer.from(encoded, 'base64').toString('utf8') : null;
}

/** Removes the stash (already gone is fine): called once the peer exists again with its password. */
export async function removeStash(kube: KubeApis, key: StashKey): Promise<void> {
  await orNullIfNotFound(
    kubeCall(`remove the stashed password of BGPPeer/${key.entry.name}`, () =>
      kube.core.deleteNamespacedSecret({ namespace: key.entry.namespace, name: nameOf(key) }),
    ),
  );
}
