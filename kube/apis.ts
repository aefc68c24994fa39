import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';

/** The API clients of one cluster, built once per worker from that cluster's KubeConfig. */
export interface KubeApis {
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
  extensions: ApiextensionsV1Api;
}

export function kubeApis(kc: KubeConfig): KubeApis {
  return {
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    extensions: kc.makeApiClient(ApiextensionsV1Api),
  };
}

export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
export const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

export const metallbGroup = 'metallb.io';

/** "namespace/name" → parts. */
export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0
    ? { namespace: 'default', name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Where a backed-up MetalLB object lives, as CustomObjectsApi parameters. */
export function objectParams(entry: { version: string; namespace: string; plural: string; name: string }) {
  return {
    group: metallbGroup,
    version: entry.version,
    namespace: entry.namespace,
    plural: entry.plural,
    name: entry.name,
  };
}
