// How MetalLB reads a Service: which ones it serves, its annotations (new prefix wins), its
// ingress IPs and the keys that decide whether two Services may share an IP.
import { parseIpCanonical, type IpFamily } from '../addresses.js';
import type { Service } from '../kube-schemas.js';
import type { ObjectRef } from './report.js';

export interface ServiceIp {
  /** As written in the object. */
  text: string;
  family: IpFamily;
  value: bigint;
  /** Canonical text (lower-case, shortest IPv6); the key for "same IP". */
  canonical: string;
}

export interface ServiceView {
  service: Service;
  /** "<namespace>/<name>" */
  key: string;
  namespace: string;
  name: string;
  /** Parsed status.loadBalancer.ingress[].ip entries, in order. */
  ips: ServiceIp[];
}

type AnnotationName = 'address-pool' | 'loadBalancerIPs' | 'ip-allocated-from-pool' | 'allow-shared-ip';

export const NEW_PREFIX = 'metallb.io/';
export const OLD_PREFIX = 'metallb.universe.tf/';

export function parseServiceIp(text: string): ServiceIp | null {
  const parsed = parseIpCanonical(text);
  return parsed === null ? null : { text, family: parsed.family, value: parsed.value, canonical: parsed.canonical };
}

export function viewService(service: Service): ServiceView {
  const namespace = service.metadata.namespace ?? 'default';
  const ips: ServiceIp[] = [];
  for (const entry of service.status?.loadBalancer?.ingress ?? []) {
    const ip = entry.ip ? parseServiceIp(entry.ip) : null;
    if (ip !== null) ips.push(ip);
  }
  return { service, key: `${namespace}/${service.metadata.name}`, namespace, name: service.metadata.name, ips };
}

/**
 * MetalLB's filterByLoadBalancerClass: without --lb-class it serves only Services with no class;
 * with --lb-class=X it serves only class X (a Service without a class is then ignored).
 */
export function isServedByMetallb(service: Service, lbClass: string | null): boolean {
  if (service.spec?.type !== 'LoadBalancer') return false;
  const cls = service.spec.loadBalancerClass ?? null;
  return lbClass === null ? cls === null : cls === lbClass;
}

// Both keys of each annotation, built once: several checks read them for every Service.
const ANNOTATION_KEYS: Readonly<Record<AnnotationName, readonly [string, string]>> = {
  'address-pool': [`${NEW_PREFIX}address-pool`, `${OLD_PREFIX}address-pool`],
  loadBalancerIPs: [`${NEW_PREFIX}loadBalancerIPs`, `${OLD_PREFIX}loadBalancerIPs`],
  'ip-allocated-from-pool': [`${NEW_PREFIX}ip-allocated-from-pool`, `${OLD_PREFIX}ip-allocated-from-pool`],
  'allow-shared-ip': [`${NEW_PREFIX}allow-shared-ip`, `${OLD_PREFIX}allow-shared-ip`],
};

/** valueForAnnotation: the metallb.io key wins when present (even empty), else the old prefix. */
export function annotation(service: Service, name: AnnotationName): string | undefined {
  const annotations = service.metadata.annotations;
  if (annotations === undefined || annotations === null) return undefined;
  const [newKey, oldKey] = ANNOTATION_KEYS[name];
  return annotations[newKey] ?? annotations[oldKey];
}

/** Which of the two keys holds the value MetalLB reads (for messages). */
export function annotationKey(service: Service, name: AnnotationName): string {
  const [newKey, oldKey] = ANNOTATION_KEYS[name];
  return (service.metadata.annotations ?? {})[newKey] !== undefined ? newKey : oldKey;
}

export const sharingKey = (service: Service): string => annotation(service, 'allow-shared-ip') ?? '';

/** k8salloc.BackendKey: only externalTrafficPolicy Local ties a shared IP to one pod selector. */
export function backendKey(service: Service): string {
  if (service.spec?.externalTrafficPolicy !== 'Local') return '';
  const selector = service.spec.selector ?? {};
  return Object.keys(selector)
    .sort()
    .map((k) => `${k}=${selector[k]}`)
    .join(',');
}

export function servicePorts(service: Service): string[] {
  return (service.spec?.ports ?? []).map((p) => `${p.protocol ?? 'TCP'}/${p.port}`);
}

/** Why two Services cannot share one IP (MetalLB's sharingOK and port check), or null if they can. */
export function sharingConflict(holder: Service, other: Service): string | null {
  const [a, b] = [sharingKey(holder), sharingKey(other)];
  if (a === '') return 'the Service holding it does not allow sharing (no allow-shared-ip annotation)';
  if (b === '') return 'this Service does not allow sharing (no allow-shared-ip annotation)';
  if (a !== b) return `sharing key "${b}" does not match existing sharing key "${a}"`;
  if (backendKey(holder) !== backendKey(other))
    return 'externalTrafficPolicy Local Services must select the same pods to share an IP';
  const used = new Set(servicePorts(holder));
  const clash = servicePorts(other).find((p) => used.has(p));
  return clash === undefined ? null : `port ${clash} is already in use on the shared IP`;
}

export function serviceRef(view: Pick<ServiceView, 'namespace' | 'name'>): ObjectRef {
  return { kind: 'Service', namespace: view.namespace, name: view.name };
}

/** "192.0.2.1", "192.0.2.1 and 2001:db8::1", "a, b and c". */
export function listText(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
