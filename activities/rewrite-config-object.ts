import { fieldManager } from '../domain/runbooks/names.js';
import { metallbGroup, type KubeApis } from '../kube/apis.js';
import { kubeCall } from '../kube/call.js';

/** One MetalLB config object, by kind, version and name. */
export interface ObjectRef {
  kind: string;
  plural: string;
  version: string;
  namespace: string;
  name: string;
}

/** Whether the object was re-encoded, with its resourceVersion before and after. */
export interface RewriteResult {
  ref: string;
  resourceVersionBefore: string;
  resourceVersionAfter: string;
  /** False when the API server found nothing to re-encode (already stored at this version). */
  rewritten: boolean;
}

interface Versioned {
  metadata?: { resourceVersion?: string };
}

/**
 * Reads the object at the storage version and PUTs it back unchanged: the API server re-encodes
 * it at the storage version, with no deletion and no change a controller would react to.
 */
export async function rewriteConfigObject(kube: KubeApis, ref: ObjectRef): Promise<RewriteResult> {
  const params = {
    group: metallbGroup,
    version: ref.version,
    namespace: ref.namespace,
    plural: ref.plural,
    name: ref.name,
  };
  const label = `${ref.kind}/${ref.name}`;
  const current = (await kubeCall(`read ${label}`, () => kube.custom.getNamespacedCustomObject(params))) as Versioned;
  // A 409 here means it changed since the read; the retry reads it again.
  const written = (await kubeCall(`rewrite ${label}`, () =>
    kube.custom.replaceNamespacedCustomObject({ ...params, body: current, fieldManager }),
  )) as Versioned;
  const before = current.metadata?.resourceVersion ?? '';
  const after = written.metadata?.resourceVersion ?? '';
  return { ref: label, resourceVersionBefore: before, resourceVersionAfter: after, rewritten: before !== after };
}
