import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
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
    await client.patch(object, undefined, undefined, labFieldManager, true, PatchStrategy.ServerSideApply);
  }
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
