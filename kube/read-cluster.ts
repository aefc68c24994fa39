// Everything a diagnosis reads, as plain GETs (raw-get.ts): the JSON is what `kubectl get -o json` shows,
// validated where it is read (domain/kube-schemas.ts), so no Kubernetes client needs loading to diagnose.
import type { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { classifyKubeError } from '../domain/kube-errors.js';
import { redactValue } from '../domain/redact.js';
import type { ClusterEndpoint } from './endpoint.js';
import { kubeGetter, type KubeGetter, type Query } from './raw-get.js';
import type { LogCacheStore } from './log-cache.js';
import {
  mergeLogWindow,
  normalisedTime,
  readSince,
  resumable,
  resumeFrom,
  type CachedLog,
} from '../domain/log-window.js';

/** MetalLB's configuration kinds and the API versions this tool reads them at (newest first). */
export const metallbKinds = [
  { kind: 'IPAddressPool', plural: 'ipaddresspools', versions: ['v1beta1'] },
  { kind: 'L2Advertisement', plural: 'l2advertisements', versions: ['v1beta1'] },
  { kind: 'BGPAdvertisement', plural: 'bgpadvertisements', versions: ['v1beta1'] },
  { kind: 'BGPPeer', plural: 'bgppeers', versions: ['v1beta2', 'v1beta1'] },
  { kind: 'Community', plural: 'communities', versions: ['v1beta1'] },
  { kind: 'BFDProfile', plural: 'bfdprofiles', versions: ['v1beta1'] },
  { kind: 'ConfigurationState', plural: 'configurationstates', versions: ['v1beta1'] },
  { kind: 'AddressPool', plural: 'addresspools', versions: ['v1beta1', 'v1alpha1'] },
  // What the speakers write about the Services they announce (v0.14.4+ and v0.15+): announcement evidence.
  { kind: 'ServiceL2Status', plural: 'servicel2statuses', versions: ['v1beta1'] },
  { kind: 'ServiceBGPStatus', plural: 'servicebgpstatuses', versions: ['v1beta1'] },
] as const;

/** Evidence only: an identity that may not list these still gets a diagnosis, without announcement evidence. */
const optionalPlurals: ReadonlySet<string> = new Set(['servicel2statuses', 'servicebgpstatuses']);

export interface ReadScope {
  /** MetalLB's namespace; undefined = find it from the controller workload. */
  metallbNamespace?: string | undefined;
  /** Services (and their events) from this namespace only; undefined = all namespaces. */
  serviceNamespace?: string | undefined;
  /** Log window in seconds for controller and speaker logs. */
  logSinceSeconds: number;
  /**
   * Which Service Events: 'problems' reads the Warning ones and ClearAssignment (all the checks look at;
   * not one IPAllocated per Service), 'all' every one (explain lists them). Default 'all'.
   */
  serviceEvents?: 'all' | 'problems' | undefined;
  /** Where the pod logs read last time are kept: read only what came since (domain/log-window.ts). */
  logCache?: LogCacheStore | undefined;
  /** The cap on a resumed log read (log-window.ts readSince); tests set it low to make it re-read the whole. */
  resumeTailLines?: number | undefined;
}

export interface ClusterRead {
  objects: unknown[];
  logs: { controller: string; speaker: string };
  metallbNamespace: string | null;
}

/** A read that could not be done at all: unreachable API, forbidden list. One line, exit 2. */
export class ClusterReadError extends Error {
  readonly exitCode = 2;
}

const controllerSelectors = [
  'app=metallb,component=controller',
  'app.kubernetes.io/name=metallb,app.kubernetes.io/component=controller',
];

function withKind<T extends object>(
  items: T[],
  apiVersion: string,
  kind: string,
): (T & { apiVersion: string; kind: string })[] {
  return items.map((item) => ({ ...item, apiVersion, kind }));
}

const readAttempts = 4;

/**
 * Wraps a list call: retryable failures (429 while a CRD initialises, 5xx, a dropped connection)
 * are tried again with backoff; a final failure says which list failed and why, in one line.
 */
async function listing<T>(what: string, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const c = classifyKubeError(error);
      const refused = /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH/.test(c.message);
      if (c.retryable && !refused && attempt < readAttempts) {
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
        continue;
      }
      if (c.type === 'KubeNetwork') throw new ClusterReadError(`cannot reach the Kubernetes API server: ${c.message}`);
      const hint = c.type === 'KubeForbidden' || c.type === 'KubeUnauthorized' ? ' (check RBAC for this identity)' : '';
      throw new ClusterReadError(`cannot list ${what}: ${c.message}${hint}`, { cause: error });
    }
  }
}

/** Page size for the lists that grow with the cluster, as `kubectl get` uses (--chunk-size 500). */
const PAGE_SIZE = 500;

/** One page of a Kubernetes list response. */
export interface Page<T> {
  items: T[];
  metadata?: { continue?: string | undefined } | undefined;
}

/** A JSON object, checked in place: a looseObject would copy every key of every item of a large list. */
const ListItemSchema = z.custom<Record<string, unknown>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  'a list item is not an object',
);

const ListSchema = z.looseObject({
  items: z.array(ListItemSchema).nullish(),
  metadata: z.looseObject({ continue: z.string().optional() }).optional(),
});

const isExpiredContinue = (error: unknown): boolean => (error as { code?: unknown }).code === 410;

/**
 * Every item of a list, PAGE_SIZE at a time, so no single response holds a large cluster's
 * objects. A continue token that expired (410) restarts the list once from the beginning.
 */
export async function listAll<T>(
  what: string,
  call: (page: { limit: number; continue?: string }) => Promise<Page<T>>,
): Promise<T[]> {
  for (let restarts = 0; ; restarts++) {
    const items: T[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await listing(what, () => call({ limit: PAGE_SIZE, ...(token ? { continue: token } : {}) }));
        items.push(...page.items);
        token = page.metadata?.continue || undefined;
      } while (token);
      return items;
    } catch (error) {
      if (restarts > 0 || !isExpiredContinue((error as { cause?: unknown }).cause ?? error)) throw error;
    }
  }
}

type Item = Record<string, unknown>;

/** A list answer's items (the envelope validated; each item is validated where a check reads it). */
async function items(getter: KubeGetter, path: string, query?: Query): Promise<Page<Item>> {
  const parsed = ListSchema.safeParse(await getter.json(path, query));
  if (!parsed.success) throw new Error(`GET ${path}: the answer is not a Kubernetes list`);
  return { items: parsed.data.items ?? [], metadata: parsed.data.metadata };
}

const listOnce = (getter: KubeGetter, what: string, path: string, query?: Query): Promise<Item[]> =>
  listing(what, () => items(getter, path, query)).then((page) => page.items);

const listPaged = (getter: KubeGetter, what: string, path: string, query: Query = {}): Promise<Item[]> =>
  listAll(what, (page) => items(getter, path, { ...query, ...page }));

/** `/api/v1/namespaces/<ns>/<plural>` or, without a namespace, `/api/v1/<plural>` (likewise for groups). */
const resourcePath = (apiPrefix: string, plural: string, namespace?: string): string =>
  namespace ? `${apiPrefix}/namespaces/${encodeURIComponent(namespace)}/${plural}` : `${apiPrefix}/${plural}`;

const ItemMetaSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string().optional(),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).nullish(),
  }),
});
const meta = (item: Item) => ItemMetaSchema.safeParse(item).data?.metadata;

// Both label conventions are asked at once; the first convention that finds a controller wins.
async function findMetallbNamespace(getter: KubeGetter): Promise<string | null> {
  const lists = await Promise.all(
    controllerSelectors.map((labelSelector) =>
      listOnce(getter, 'Deployments in all namespaces', '/apis/apps/v1/deployments', { labelSelector }),
    ),
  );
  for (const list of lists) {
    const found = list.map(meta).find((metadata) => metadata?.namespace);
    if (found?.namespace) return found.namespace;
  }
  return null;
}

const CrdSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string() }),
  spec: z.looseObject({
    group: z.string(),
    versions: z.array(z.looseObject({ name: z.string(), served: z.boolean() })).default([]),
  }),
});
type Crd = z.infer<typeof CrdSchema>;

/** The version to read a MetalLB kind at: the newest one its CRD serves. */
function servedVersion(crds: Crd[], plural: string, preferred: readonly string[]): string | undefined {
  const crd = crds.find((c) => c.metadata.name === `${plural}.metallb.io`);
  const served = new Set((crd?.spec.versions ?? []).filter((v) => v.served).map((v) => v.name));
  return preferred.find((v) => served.has(v));
}

async function readMetallbObjects(getter: KubeGetter, crds: Crd[], namespace: string) {
  const lists = await Promise.all(
    metallbKinds.map(async ({ kind, plural, versions }) => {
      const version = servedVersion(crds, plural, versions);
      if (!version) return [];
      const path = resourcePath(`/apis/metallb.io/${version}`, plural, namespace);
      const read = listOnce(getter, `${kind} objects in ${namespace}`, path);
      const list = await (optionalPlurals.has(plural) ? read.catch(() => []) : read);
      // Inline BGPPeer passwords and last-applied copies are replaced here: nothing downstream needs their values.
      return withKind(
        list.map((item) => redactValue(item) as object),
        `metallb.io/${version}`,
        kind,
      );
    }),
  );
  return lists.flat();
}

const PodSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string(), namespace: z.string(), uid: z.string().optional() }),
  spec: z.looseObject({ containers: z.array(z.looseObject({ name: z.string() })).default([]) }).optional(),
  status: z
    .looseObject({
      containerStatuses: z
        .array(
          z.looseObject({ name: z.string(), restartCount: z.number().optional(), containerID: z.string().optional() }),
        )
        .nullish(),
    })
    .optional(),
});
type Pod = z.infer<typeof PodSchema>;

/** What reading the pods' logs shares: the window, and what was kept of them last time. */
interface LogRead {
  getter: KubeGetter;
  sinceSeconds: number;
  windowStart: string;
  cached: ReadonlyMap<string, CachedLog>;
  /** What to keep for next time, filled in as each log is read. */
  next: Map<string, CachedLog>;
  /** Whether any log read differs from what was kept (mergeLogWindow's `changed`). */
  changed: boolean;
  /** ReadScope's cap on a resumed read. */
  resumeTailLines: number | undefined;
}

/** One container run: a restarted or replaced container is another log. */
function containerKey(pod: Pod, container: string): string {
  const status = pod.status?.containerStatuses?.find((entry) => entry.name === container);
  return [pod.metadata.uid ?? pod.metadata.name, container, status?.restartCount ?? 0, status?.containerID ?? ''].join(
    '/',
  );
}

/** The pod and which of its containers to read: the one named, else the first; null without either. */
function logSource(item: Item, container: string): { pod: Pod; name: string } | null {
  const pod = PodSchema.safeParse(item).data;
  const names = (pod?.spec?.containers ?? []).map((c) => c.name);
  const name = names.includes(container) ? container : names[0];
  return pod && name ? { pod, name } : null;
}

async function podLog(read: LogRead, item: Item, container: string): Promise<string> {
  const source = logSource(item, container);
  if (!source) return '';
  const { pod, name } = source;
  const podPath = resourcePath('/api/v1', 'pods', pod.metadata.namespace);
  const path = `${podPath}/${encodeURIComponent(pod.metadata.name)}/log`;
  const key = containerKey(pod, name);
  const cached = read.cached.get(key);
  const resume = resumable(cached, read.windowStart) ? cached : undefined;
  const query = { container: name, timestamps: true };
  try {
    const fresh = resume
      ? await readSince(
          resume,
          (tailLines) => read.getter.text(path, { ...query, sinceTime: resumeFrom(resume), tailLines }),
          read.resumeTailLines,
        )
      : await read.getter.text(path, { ...query, sinceSeconds: read.sinceSeconds });
    const merged = mergeLogWindow(resume, fresh, read.windowStart);
    read.next.set(key, merged.next);
    read.changed ||= merged.changed;
    return merged.text;
  } catch {
    // A pod that is starting or gone has no log yet; the workload check reports its state.
    return '';
  }
}

async function podLogs(read: LogRead, pods: Item[], container: string): Promise<string> {
  const texts = await Promise.all(pods.map((pod) => podLog(read, pod, container)));
  return texts.filter(Boolean).join('\n');
}

/** What the cluster reads need: where the API server is and how to reach it. */
export type ReadSource = KubeConfig | ClusterEndpoint;

const isKubeConfig = (source: ReadSource): source is KubeConfig => 'makeApiClient' in source;

/** The API server a read source names. */
export function serverOf(source: ReadSource): string {
  return isKubeConfig(source) ? (source.getCurrentCluster()?.server ?? '') : source.server;
}

async function endpointOf(source: ReadSource): Promise<ClusterEndpoint> {
  if (!isKubeConfig(source)) return source;
  const { endpointFromKubeConfig } = await import('./kubeconfig-endpoint.js');
  return endpointFromKubeConfig(source);
}

/** Reads everything a diagnosis looks at, in parallel, without writing anything. */
export async function readCluster(source: ReadSource, scope: ReadScope): Promise<ClusterRead> {
  const endpoint = await endpointOf(source);
  const getter = kubeGetter(endpoint);
  try {
    return await readEverything(getter, endpoint.name, scope);
  } catch (error) {
    // Name the server the user pointed us at: the usual cause is the wrong context or a tunnel that is down.
    if (error instanceof ClusterReadError && error.message.startsWith('cannot reach')) {
      throw new ClusterReadError(error.message.replace('API server', `API server at ${endpoint.server}`));
    }
    throw error;
  } finally {
    getter.close();
  }
}

/** The field selectors each Event list uses: the Warning Events, and the one Normal reason a check reads. */
const eventSelectors = {
  all: ['involvedObject.kind=Service'],
  problems: [
    'involvedObject.kind=Service,type=Warning',
    'involvedObject.kind=Service,type=Normal,reason=ClearAssignment',
  ],
} as const;

async function readServiceEvents(getter: KubeGetter, scope: ReadScope): Promise<Item[]> {
  const path = resourcePath('/api/v1', 'events', scope.serviceNamespace);
  const lists = await Promise.all(
    eventSelectors[scope.serviceEvents ?? 'all'].map((fieldSelector) =>
      listPaged(getter, 'Events', path, { fieldSelector }),
    ),
  );
  return lists.flat();
}

/** Objects outside MetalLB's namespace: Services and their Events, Nodes, Namespaces. */
async function readClusterWide(getter: KubeGetter, scope: ReadScope): Promise<unknown[]> {
  const serviceNamespace = scope.serviceNamespace;
  const [services, events, nodes, namespaces] = await Promise.all([
    listPaged(getter, 'Services', resourcePath('/api/v1', 'services', serviceNamespace)),
    readServiceEvents(getter, scope),
    listOnce(getter, 'Nodes', '/api/v1/nodes'),
    listOnce(getter, 'Namespaces', '/api/v1/namespaces'),
  ]);
  return [
    ...withKind(services, 'v1', 'Service'),
    ...withKind(events, 'v1', 'Event'),
    ...withKind(nodes, 'v1', 'Node'),
    ...withKind(namespaces, 'v1', 'Namespace'),
  ];
}

const componentOf = (item: Item): string | undefined => {
  const labels = meta(item)?.labels;
  return labels?.['component'] ?? labels?.['app.kubernetes.io/component'];
};

/**
 * Keeps what was read for the next run, unless the file already holds it (nothing new was logged, no container
 * came or went); a cache that cannot be written only costs the next run time.
 */
function keepLogs(store: LogCacheStore | undefined, read: LogRead): void {
  const forgotten = [...read.cached.keys()].some((key) => !read.next.has(key));
  if (!read.changed && !forgotten && read.next.size === read.cached.size) return;
  try {
    store?.write(read.next);
  } catch {
    // e.g. a read-only home directory
  }
}

// The pods' logs are read as soon as the pods are listed, alongside the namespace's other lists.
async function readPodsAndLogs(getter: KubeGetter, ns: string, scope: ReadScope) {
  const pods = await listOnce(getter, `Pods in ${ns}`, resourcePath('/api/v1', 'pods', ns));
  const byComponent = (component: string) => pods.filter((pod) => componentOf(pod) === component);
  const read: LogRead = {
    getter,
    sinceSeconds: scope.logSinceSeconds,
    windowStart: normalisedTime(new Date(Date.now() - scope.logSinceSeconds * 1000).toISOString()),
    cached: scope.logCache?.read() ?? new Map(),
    next: new Map(),
    changed: false,
    resumeTailLines: scope.resumeTailLines,
  };
  const [controller, speaker] = await Promise.all([
    podLogs(read, byComponent('controller'), 'controller'),
    podLogs(read, byComponent('speaker'), 'speaker'),
  ]);
  keepLogs(scope.logCache, read);
  return { pods, logs: { controller, speaker } };
}

async function readMetallbNamespace(
  getter: KubeGetter,
  crdsRead: Promise<Crd[]>,
  ns: string,
  scope: ReadScope,
): Promise<{ objects: unknown[]; logs: ClusterRead['logs'] }> {
  const [deployments, daemonSets, podsAndLogs, configMaps, metallbObjects] = await Promise.all([
    listOnce(getter, `Deployments in ${ns}`, resourcePath('/apis/apps/v1', 'deployments', ns)),
    listOnce(getter, `DaemonSets in ${ns}`, resourcePath('/apis/apps/v1', 'daemonsets', ns)),
    readPodsAndLogs(getter, ns, scope),
    listOnce(getter, `ConfigMaps in ${ns}`, resourcePath('/api/v1', 'configmaps', ns)),
    crdsRead.then((crds) => readMetallbObjects(getter, crds, ns)),
  ]);
  const objects = [
    ...withKind(deployments, 'apps/v1', 'Deployment'),
    ...withKind(daemonSets, 'apps/v1', 'DaemonSet'),
    ...withKind(podsAndLogs.pods, 'v1', 'Pod'),
    ...withKind(configMaps, 'v1', 'ConfigMap'),
    ...metallbObjects,
  ];
  return { objects, logs: podsAndLogs.logs };
}

async function resolveMetallbNamespace(
  scope: ReadScope,
  getter: KubeGetter,
  crdsRead: Promise<Crd[]>,
): Promise<string | null> {
  if (scope.metallbNamespace) return scope.metallbNamespace;
  const found = await findMetallbNamespace(getter);
  return found ?? ((await crdsRead).length ? 'metallb-system' : null);
}

/** A MetalLB namespace named that does not exist would read as a MetalLB with nothing in it: say so instead. */
function requireNamespaceListed(named: string | undefined, clusterWide: readonly unknown[]): void {
  if (!named) return;
  const listed = clusterWide.some((object) => {
    const { kind, metadata } = object as { kind?: string; metadata?: { name?: string } };
    return kind === 'Namespace' && metadata?.name === named;
  });
  if (!listed)
    throw new ClusterReadError(
      `the MetalLB namespace ${named} does not exist on this cluster: pass the namespace MetalLB runs in with ` +
        '--metallb-namespace, or leave the flag out to find it',
    );
}

/** The metallb.io CRDs, each as listed (the checks read it) and as this reader needs it. */
async function readMetallbCrds(getter: KubeGetter): Promise<{ listed: Item[]; parsed: Crd[] }> {
  const all = await listOnce(
    getter,
    'CustomResourceDefinitions',
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
  );
  const metallb = all
    .map((item) => ({ item, crd: CrdSchema.safeParse(item).data }))
    .filter((entry): entry is { item: Item; crd: Crd } => entry.crd?.spec.group === 'metallb.io');
  return { listed: metallb.map((entry) => entry.item), parsed: metallb.map((entry) => entry.crd) };
}

// Every list starts as soon as what it depends on is known: the cluster-wide lists, the CRDs and
// the search for MetalLB's namespace at once; that namespace's lists (and the pods' logs) next.
async function readEverything(getter: KubeGetter, cluster: string, scope: ReadScope): Promise<ClusterRead> {
  const crdsRead = readMetallbCrds(getter);
  const parsedCrds = crdsRead.then((crds) => crds.parsed);
  const namespaceRead = resolveMetallbNamespace(scope, getter, parsedCrds);
  const [crds, clusterWide, metallbNamespace, inNamespace] = await Promise.all([
    crdsRead,
    readClusterWide(getter, scope),
    namespaceRead,
    namespaceRead.then((ns) => (ns ? readMetallbNamespace(getter, parsedCrds, ns, scope) : null)),
  ]);
  // Every command that reads the cluster (diagnose, plan, explain, apply, the runs) needs MetalLB to be there.
  if (crds.listed.length === 0)
    throw new ClusterReadError(`MetalLB is not installed on ${cluster}: no metallb.io CustomResourceDefinitions`);
  requireNamespaceListed(scope.metallbNamespace, clusterWide);
  const objects: unknown[] = [
    ...withKind(crds.listed, 'apiextensions.k8s.io/v1', 'CustomResourceDefinition'),
    ...clusterWide,
    ...(inNamespace?.objects ?? []),
  ];
  return { objects, logs: inNamespace?.logs ?? { controller: '', speaker: '' }, metallbNamespace };
}
