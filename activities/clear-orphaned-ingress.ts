import { fieldManager } from '../domain/runbooks/names.js';
import { mergePatch, splitKey, type KubeApis } from '../kube/apis.js';
import { kubeCall } from '../kube/call.js';
import { judgeServiceNow } from '../kube/orphaned-services.js';

/** Which Service to clear, and where MetalLB runs. */
export interface IngressClear {
  service: string;
  /** MetalLB's namespace, where the pools are. */
  namespace: string;
  /** The controller's --lb-class; when not given, the Service is judged as served (it was when found). */
  lbClass?: string | null;
}

async function serviceClass(kube: KubeApis, key: string): Promise<string | null> {
  const { namespace, name } = splitKey(key);
  const svc = await kubeCall(`read Service ${key}`, () => kube.core.readNamespacedService({ namespace, name }));
  return svc.spec?.loadBalancerClass ?? null;
}

/**
 * If the orphan model still finds the Service's ingress IPs not its to hold (in no pool, a pool
 * that excludes it, split across pools, shared without agreement), clears status.loadBalancer
 * through the status subresource so the controller allocates anew. Judged again on every attempt:
 * an IP the controller has meanwhile assigned is never cleared.
 */
export async function clearOrphanedIngress(
  kube: KubeApis,
  clear: IngressClear,
): Promise<{ service: string; cleared: string[] }> {
  const lbClass = clear.lbClass === undefined ? await serviceClass(kube, clear.service) : clear.lbClass;
  const verdict = await judgeServiceNow(kube, { namespace: clear.namespace, lbClass }, clear.service);
  if (!verdict?.plan?.clearIngress) return { service: clear.service, cleared: [] };
  const { namespace, name } = splitKey(clear.service);
  const body = { status: { loadBalancer: { ingress: null } } };
  await kubeCall(`clear status.loadBalancer of Service ${clear.service}`, () =>
    kube.core.patchNamespacedServiceStatus({ namespace, name, body, fieldManager }, mergePatch),
  );
  return { service: clear.service, cleared: verdict.ips };
}
