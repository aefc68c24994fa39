// Everything the checks share, computed once per diagnosis: parsed pools, the address index,
// the Services MetalLB serves, who holds which IP, per-pool usage, events per Service, workloads.
// Building it is O((services + pools) log pools); no check may loop services × pools.
import { buildPoolIndex, type PoolIndex } from '../addresses.js';
import type { DaemonSet, Deployment, KubeEvent, Pod } from '../kube-schemas.js';
import { compileSelector } from '../selectors.js';
import { hasMetallbLabels, isMetallbWorkload, type ClusterSnapshot, type MetallbComponent } from '../snapshot.js';
import { indexNamespaces, viewPool, type NamespaceIndex, type PoolView } from './pools.js';
import type { Finding } from './report.js';
import { owningPool } from '../orphans.js';
import { annotation, isServedByMetallb, viewService, type ServiceView } from './services.js';
import { parseMetallbVersion, type MetallbVersion } from './version.js';

export interface DiagnoseOptions {
  /** kubeconfig context name, echoed in the report. */
  context?: string | null;
  /** Report time; defaults to snapshot.collectedAt. */
  generatedAt?: string;
}

export interface PoolUsage {
  /** Canonical IPs held by served Services, per family. */
  ipv4: Set<string>;
  ipv6: Set<string>;
  services: Set<string>;
}

export interface Workload<T> {
  object: T;
  pods: Pod[];
}

export type ControllerState = 'available' | 'unavailable' | 'missing' | 'unknown';

export interface DiagnoseContext {
  snapshot: ClusterSnapshot;
  /** collectedAt in epoch ms: "now" for every time window. */
  now: number;
  version: MetallbVersion | null;
  /** MetalLB's namespace; CRs elsewhere are ignored by MetalLB. */
  namespace: string | null;
  namespaces: NamespaceIndex;
  pools: PoolView[];
  poolsByName: Map<string, PoolView>;
  /** Over the pools that parse. */
  index: PoolIndex;
  /** index.lookupDetailed, memoised per canonical IP (each IP is looked up by several checks). */
  lookupIp: (canonical: string) => IpLookup;
  /** LoadBalancer Services MetalLB serves (lb-class filter applied). */
  services: ServiceView[];
  /** Canonical IP → served Services holding it. */
  ipHolders: Map<string, ServiceView[]>;
  usage: Map<string, PoolUsage>;
  /** Served Services without an ingress IP. */
  pending: ServiceView[];
  /** "<ns>/<name>" → events about that Service, newest first. */
  serviceEvents: Map<string, KubeEvent[]>;
  controllers: Workload<Deployment>[];
  speakers: Workload<DaemonSet>[];
  controllerState: ControllerState;
  inMetallbNamespace: (namespace: string | null | undefined) => boolean;
}

export type Rule = (ctx: DiagnoseContext) => Finding[];

export interface IpLookup {
  pools: string[];
  excludedByAvoidBuggyIps: string[];
}

/** Lookups beyond the Services' own IPs (requested IPs, say) are parsed from text once each. */
function memoisedLookup(index: PoolIndex, cache: Map<string, IpLookup>): (canonical: string) => IpLookup {
  return (canonical) => {
    let hit = cache.get(canonical);
    if (hit === undefined)
      cache.set(canonical, (hit = index.lookupDetailed(canonical) ?? { pools: [], excludedByAvoidBuggyIps: [] }));
    return hit;
  };
}

const timeOf = (e: KubeEvent): number => (e.lastTime === null ? 0 : Date.parse(e.lastTime) || 0);

function eventsByService(events: readonly KubeEvent[]): Map<string, KubeEvent[]> {
  const map = new Map<string, KubeEvent[]>();
  for (const e of events) {
    if (e.regarding.kind !== 'Service' || e.regarding.name === null) continue;
    const key = `${e.regarding.namespace ?? 'default'}/${e.regarding.name}`;
    const list = map.get(key);
    if (list) list.push(e);
    else map.set(key, [e]);
  }
  for (const list of map.values()) list.sort((a, b) => timeOf(b) - timeOf(a));
  return map;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function usageOf(map: Map<string, PoolUsage>, pool: string): PoolUsage {
  let usage = map.get(pool);
  if (!usage) map.set(pool, (usage = { ipv4: new Set(), ipv6: new Set(), services: new Set() }));
  return usage;
}

const hasIngressIp = (view: ServiceView): boolean =>
  (view.service.status?.loadBalancer?.ingress ?? []).some((entry) => entry.ip);

// With overlapping pools an IP counts for the pool it was allocated from (the annotation), not for every pool
// containing it; without the annotation, for every one.
function poolsHolding(view: ServiceView, containing: readonly string[]): readonly string[] {
  const owner = owningPool(view, containing);
  return owner !== undefined && owner === annotation(view.service, 'ip-allocated-from-pool') ? [owner] : containing;
}

interface ServiceIndexes {
  lookups: Map<string, IpLookup>;
  ipHolders: Map<string, ServiceView[]>;
  usage: Map<string, PoolUsage>;
  pending: ServiceView[];
}

// One pass over the served Services; each distinct IP is looked up once, from the value viewService
// already parsed: O(services × ips × log pools).
function indexServices(services: readonly ServiceView[], index: PoolIndex): ServiceIndexes {
  const indexes: ServiceIndexes = { lookups: new Map(), ipHolders: new Map(), usage: new Map(), pending: [] };
  for (const view of services) {
    if (!hasIngressIp(view)) indexes.pending.push(view);
    for (const ip of view.ips) {
      pushTo(indexes.ipHolders, ip.canonical, view);
      let lookup = indexes.lookups.get(ip.canonical);
      if (lookup === undefined) indexes.lookups.set(ip.canonical, (lookup = index.lookupParsed(ip.family, ip.value)));
      for (const pool of poolsHolding(view, lookup.pools)) {
        const usage = usageOf(indexes.usage, pool);
        (ip.family === 'IPv4' ? usage.ipv4 : usage.ipv6).add(ip.canonical);
        usage.services.add(view.key);
      }
    }
  }
  return indexes;
}

function podsFor(workload: Deployment | DaemonSet, pods: readonly Pod[], component: MetallbComponent): Pod[] {
  const selector = workload.spec?.selector;
  const compiled = selector ? compileSelector(selector) : null;
  const sameNamespace = pods.filter((p) => p.metadata.namespace === workload.metadata.namespace);
  if (compiled?.ok) return sameNamespace.filter((p) => compiled.matches(p.metadata.labels));
  return sameNamespace.filter((p) => hasMetallbLabels(p, component));
}

function findWorkloads<T extends Deployment | DaemonSet>(
  items: readonly T[],
  pods: readonly Pod[],
  component: MetallbComponent,
  inNs: (ns: string | null | undefined) => boolean,
): Workload<T>[] {
  return items
    .filter((w) => isMetallbWorkload(w, component) && inNs(w.metadata.namespace))
    .map((object) => ({ object, pods: podsFor(object, pods, component) }));
}

function controllerStateOf(snapshot: ClusterSnapshot, controllers: readonly Workload<Deployment>[]): ControllerState {
  if (controllers.length === 0)
    return snapshot.source === 'file' && snapshot.deployments.length === 0 ? 'unknown' : 'missing';
  const available = controllers.some((c) => (c.object.status?.availableReplicas ?? 0) > 0);
  return available ? 'available' : 'unavailable';
}

function viewPools(snapshot: ClusterSnapshot, namespaces: NamespaceIndex, inNs: DiagnoseContext['inMetallbNamespace']) {
  const pools = snapshot.pools.filter((p) => inNs(p.metadata.namespace)).map((p) => viewPool(p, namespaces));
  const poolsByName = new Map(pools.map((p) => [p.name, p]));
  const index = buildPoolIndex(pools.filter((p) => p.error === null));
  return { pools, poolsByName, index };
}

export function buildContext(snapshot: ClusterSnapshot): DiagnoseContext {
  const namespace = snapshot.metallbNamespace;
  // A CR without a namespace (a manifest file) is taken to be in MetalLB's namespace.
  const inMetallbNamespace = (ns: string | null | undefined) => namespace === null || !ns || ns === namespace;
  const namespaces = indexNamespaces(snapshot.namespaces);
  const { pools, poolsByName, index } = viewPools(snapshot, namespaces, inMetallbNamespace);
  const services = snapshot.services.filter((s) => isServedByMetallb(s, snapshot.lbClass)).map(viewService);
  const { lookups, ipHolders, usage, pending } = indexServices(services, index);
  const controllers = findWorkloads(snapshot.deployments, snapshot.pods, 'controller', inMetallbNamespace);
  return {
    snapshot,
    now: Date.parse(snapshot.collectedAt),
    version: parseMetallbVersion(snapshot.metallbVersion),
    namespace,
    namespaces,
    pools,
    poolsByName,
    index,
    lookupIp: memoisedLookup(index, lookups),
    services,
    ipHolders,
    usage,
    pending,
    serviceEvents: eventsByService(snapshot.events),
    controllers,
    speakers: findWorkloads(snapshot.daemonSets, snapshot.pods, 'speaker', inMetallbNamespace),
    controllerState: controllerStateOf(snapshot, controllers),
    inMetallbNamespace,
  };
}
