import type { V1Service } from '@kubernetes/client-node';
import {
  metallbAnnotations,
  type ClusterFacts,
  type PoolFacts,
  type ServiceFacts,
} from '../domain/runbooks/service-facts.js';
import { metallbGroup, type KubeApis } from './apis.js';
import { kubeCall } from './call.js';

/** Where MetalLB runs and which load-balancer class it serves. */
export interface FactsScope {
  namespace: string;
  lbClass: string | null;
}

// MetalLB's filterByLoadBalancerClass: no --lb-class serves class-less Services only.
function isServed(svc: V1Service, lbClass: string | null): boolean {
  const cls = svc.spec?.loadBalancerClass ?? null;
  return svc.spec?.type === 'LoadBalancer' && cls === lbClass;
}

const keyOf = (svc: V1Service): string => `${svc.metadata?.namespace ?? 'default'}/${svc.metadata?.name ?? ''}`;
const ingressIps = (svc: V1Service): string[] =>
  (svc.status?.loadBalancer?.ingress ?? []).flatMap((ingress) => (ingress.ip ? [ingress.ip] : []));

/** A Service reduced to what the runbooks read: its key, whether MetalLB serves it, IPs, requests. */
export function serviceFacts(svc: V1Service, lbClass: string | null): ServiceFacts {
  const { metadata, spec } = svc;
  return {
    key: keyOf(svc),
    served: isServed(svc, lbClass),
    ips: ingressIps(svc),
    loadBalancerIP: spec?.loadBalancerIP || null,
    annotations: metallbAnnotations(metadata?.annotations),
    resourceVersion: metadata?.resourceVersion ?? '',
  };
}

interface RawPool {
  metadata?: { name?: string };
  spec?: { addresses?: string[]; avoidBuggyIPs?: boolean };
}

/** Every IPAddressPool in MetalLB's namespace. */
export async function readPools(kube: KubeApis, namespace: string): Promise<PoolFacts[]> {
  const list = (await kubeCall(`list IPAddressPools in ${namespace}`, () =>
    kube.custom.listNamespacedCustomObject({
      group: metallbGroup,
      version: 'v1beta1',
      namespace,
      plural: 'ipaddresspools',
    }),
  )) as { items?: RawPool[] };
  return (list.items ?? []).map((p) => ({
    name: p.metadata?.name ?? '',
    addresses: p.spec?.addresses ?? [],
    avoidBuggyIPs: p.spec?.avoidBuggyIPs ?? false,
  }));
}

/** Every LoadBalancer Service (served or not) and every pool, reduced to what the runbooks use. */
export async function readClusterFacts(kube: KubeApis, scope: FactsScope): Promise<ClusterFacts> {
  const [services, pools] = await Promise.all([
    kubeCall('list Services', () => kube.core.listServiceForAllNamespaces()),
    readPools(kube, scope.namespace),
  ]);
  const balancers = services.items.filter((s) => s.spec?.type === 'LoadBalancer');
  return { services: balancers.map((s) => serviceFacts(s, scope.lbClass)), pools };
}
