// `basedOn`: a fingerprint of the live MetalLB config a plan was computed against, so apply can refuse a
// plan whose base drifted. Specs and labels only: status, resourceVersion and managedFields change without
// the config changing, and BGPPeer reads the same at v1beta1 and v1beta2.
import { createHash } from 'node:crypto';
import { canonicalJson, comparableSpec, objectKey } from './config-objects.js';
import type { ConfigObject } from './types.js';

/** sha256 (hex) of every live config object's kind, name, labels and spec, in a fixed order. */
export function configFingerprint(live: readonly ConfigObject[]): string {
  const entries = [...live]
    .sort((a, b) => (objectKey(a) < objectKey(b) ? -1 : objectKey(a) > objectKey(b) ? 1 : 0))
    .map((object) => ({ key: objectKey(object), labels: object.labels, spec: comparableSpec(object) }));
  return `sha256:${createHash('sha256').update(canonicalJson(entries)).digest('hex')}`;
}
