import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
// The client's own model mapper: its typed CRD model names `enum`, `default` and
// `x-kubernetes-validations` differently, and a plain object's keys would be dropped on the way out.
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { parseAllDocuments } from 'yaml';

export const labFieldManager = 'metallb-runbooks-lab';

export function labKubeConfig(kubeconfigFile: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigFile);
  if (context) kc.setCurrentContext(context);
  return kc;
}

/** Server-side apply with the lab's field manager: re-running `up` converges instead of failing. */
export async function applyObjects(kc: KubeConfig, objects: readonly KubernetesObject[]): Promise<void> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  for (const object of objects) {
    const typed = asTypedModel(object);
    await client.patch(typed, undefined, undefined, labFieldManager, true, PatchStrategy.ServerSideApply);
  }
}

/**
 * A manifest as the client's typed model: CRDs must be, else their schemas lose every enum, default
 * and CEL rule, and the lab's API server would accept what a real cluster's refuses.
 */
export function asTypedModel(object: KubernetesObject): KubernetesObject {
  if (object.kind !== 'CustomResourceDefinition') return object;
  return ObjectSerializer.deserialize(object, 'V1CustomResourceDefinition', '') as KubernetesObject;
}

export function readManifestDir(dir: string): KubernetesObject[] {
  return readdirSync(dir)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .flatMap((file) => readManifestFile(path.join(dir, file)));
}

export function readManifestFile(file: string): KubernetesObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => doc.toJS() as KubernetesObject | null)
    .filter((obj): obj is KubernetesObject => Boolean(obj?.kind));
}
