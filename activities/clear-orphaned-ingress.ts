import { fieldManager } from '../domain/runbooks/names.js';
import { ipsOutsidePools, poolIndexOf } from '../domain/runbooks/service-facts.js';
import { mergePatch, splitKey, type KubeApis } from '../kube/apis.js';
import { kubeCall } from '../kube/call.js';
import { readPools } from '../kube/cluster-facts.js';

export interface IngressClear {
  service: string;
  /** MetalLB's namespace, where the pools are. */
  namespace: string;
}

/**
 * If the Service still holds an IP in no pool, clears status.loadBalancer through the status
 * subresource so the controller allocates a new one. Re-checked on every attempt.
 */
export async function clearOrphanedIngress(
  kube: KubeApis,
  c: IngressClear,
): Promise<{ service: string; cleared: string[] }> {
  const { namespace, name } = splitKey(c.service);
  const [svc, pools] = await Promise.all([
    kubeCall(`read Service ${c.service}`, () => kube.core.readNamespacedService({ namespace, name })),
    readPools(kube, c.namespace),
  ]);
  const ips = (svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
  const outside = ipsOutsidePools(poolIndexOf(pools), ips);
  if (outside.length === 0) return { service: c.service, cleared: [] };
  const body = { status: { loadBalancer: { ingress: null } } };
  await kubeCall(`clear status.loadBalancer of Service ${c.service}`, () =>
    kube.core.patchNamespacedServiceStatus({ namespace, name, body, fieldManager }, mergePatch),
  );
  return { service: c.service, cleared: ips };
}
