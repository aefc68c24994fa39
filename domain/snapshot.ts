// The normalised input of a diagnosis: every object of a cluster (or a dump file) validated and
// sorted by kind, plus where MetalLB runs, its version and --lb-class. Pure: the caller passes
// the objects, the logs and the collection time.
import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import {
  BFDProfileSchema,
  BGPAdvertisementSchema,
  BGPPeerSchema,
  CommunitySchema,
  ConfigMapSchema,
  ConfigurationStateSchema,
  CoreEventSchema,
  CustomResourceDefinitionSchema,
  DaemonSetSchema,
  DeploymentSchema,
  EventsV1EventSchema,
  IPAddressPoolSchema,
  L2AdvertisementSchema,
  LegacyAddressPoolSchema,
  NamespaceSchema,
  NodeSchema,
  PodSchema,
  ServiceBGPStatusSchema,
  ServiceL2StatusSchema,
  ServiceSchema,
  type BFDProfile,
  type BGPAdvertisement,
  type BGPPeer,
  type Community,
  type ConfigMap,
  type ConfigurationState,
  type Container,
  type CustomResourceDefinition,
  type DaemonSet,
  type Deployment,
  type IPAddressPool,
  type KubeEvent,
  type L2Advertisement,
  type LegacyAddressPool,
  type Namespace,
  type Node,
  type Pod,
  type Service,
  type ServiceBGPStatus,
  type ServiceL2Status,
} from './kube-schemas.js';

export interface SnapshotProblem {
  reason: 'invalid-object' | 'unknown-kind' | 'not-an-object' | 'duplicate-object';
  apiVersion: string | null;
  kind: string | null;
  namespace: string | null;
  name: string | null;
  /** One line. */
  message: string;
}

export interface ClusterSnapshot {
  /** ISO; "now" for every time window. */
  collectedAt: string;
  source: 'cluster' | 'file';
  /** null = MetalLB not found. */
  metallbNamespace: string | null;
  /** e.g. "v0.16.1", from the controller image tag. */
  metallbVersion: string | null;
  /** Controller --lb-class argument, if any. */
  lbClass: string | null;
  services: Service[];
  pools: IPAddressPool[];
  l2Advertisements: L2Advertisement[];
  bgpAdvertisements: BGPAdvertisement[];
  bgpPeers: BGPPeer[];
  communities: Community[];
  bfdProfiles: BFDProfile[];
  configurationStates: ConfigurationState[];
  /** Announcement evidence the speakers write (empty before v0.14.4 / v0.15.0, or in dumps without them). */
  serviceL2Statuses: ServiceL2Status[];
  serviceBGPStatuses: ServiceBGPStatus[];
  nodes: Node[];
  namespaces: Namespace[];
  events: KubeEvent[];
  deployments: Deployment[];
  daemonSets: DaemonSet[];
  pods: Pod[];
  configMaps: ConfigMap[];
  crds: CustomResourceDefinition[];
  legacyAddressPools: LegacyAddressPool[];
  /** Raw log text (may be empty). */
  logs: { controller: string; speaker: string };
  /** ISO start of the --since window. */
  logsSince: string | null;
  problems: SnapshotProblem[];
}

export interface SnapshotOptions {
  collectedAt: string;
  source: 'cluster' | 'file';
  logs?: { controller?: string; speaker?: string };
  logsSince?: string | null;
  metallbNamespace?: string;
}

type Bucket = Exclude<
  keyof ClusterSnapshot,
  'collectedAt' | 'source' | 'metallbNamespace' | 'metallbVersion' | 'lbClass' | 'logs' | 'logsSince' | 'problems'
>;

interface KindHandler {
  bucket: Bucket;
  schema: z.ZodType;
}

// Keyed by "<group>/<kind>" (core group = ""): any version of a known kind is read with its schema.
const HANDLERS: Readonly<Record<string, KindHandler>> = {
  '/Service': { bucket: 'services', schema: ServiceSchema },
  '/Event': { bucket: 'events', schema: CoreEventSchema },
  'events.k8s.io/Event': { bucket: 'events', schema: EventsV1EventSchema },
  '/Pod': { bucket: 'pods', schema: PodSchema },
  '/Node': { bucket: 'nodes', schema: NodeSchema },
  '/Namespace': { bucket: 'namespaces', schema: NamespaceSchema },
  '/ConfigMap': { bucket: 'configMaps', schema: ConfigMapSchema },
  'apps/Deployment': { bucket: 'deployments', schema: DeploymentSchema },
  'apps/DaemonSet': { bucket: 'daemonSets', schema: DaemonSetSchema },
  'apiextensions.k8s.io/CustomResourceDefinition': { bucket: 'crds', schema: CustomResourceDefinitionSchema },
  'metallb.io/IPAddressPool': { bucket: 'pools', schema: IPAddressPoolSchema },
  'metallb.io/L2Advertisement': { bucket: 'l2Advertisements', schema: L2AdvertisementSchema },
  'metallb.io/BGPAdvertisement': { bucket: 'bgpAdvertisements', schema: BGPAdvertisementSchema },
  'metallb.io/BGPPeer': { bucket: 'bgpPeers', schema: BGPPeerSchema },
  'metallb.io/Community': { bucket: 'communities', schema: CommunitySchema },
  'metallb.io/BFDProfile': { bucket: 'bfdProfiles', schema: BFDProfileSchema },
  'metallb.io/ConfigurationState': { bucket: 'configurationStates', schema: ConfigurationStateSchema },
  'metallb.io/AddressPool': { bucket: 'legacyAddressPools', schema: LegacyAddressPoolSchema },
  'metallb.io/ServiceL2Status': { bucket: 'serviceL2Statuses', schema: ServiceL2StatusSchema },
  'metallb.io/ServiceBGPStatus': { bucket: 'serviceBGPStatuses', schema: ServiceBGPStatusSchema },
};

const BUCKETS: readonly Bucket[] = [...new Set(Object.values(HANDLERS).map((h) => h.bucket))];

// ---------------------------------------------------------------------------------------------
// Identity of raw objects

type RawObject = Record<string, unknown>;

const isRecord = (v: unknown): v is RawObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

interface Identity {
  apiVersion: string | null;
  kind: string | null;
  namespace: string | null;
  name: string | null;
}

function identityOf(obj: RawObject): Identity {
  const meta = isRecord(obj['metadata']) ? obj['metadata'] : {};
  return {
    apiVersion: str(obj['apiVersion']),
    kind: str(obj['kind']),
    namespace: str(meta['namespace']),
    name: str(meta['name']),
  };
}

const groupOf = (apiVersion: string): string =>
  apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';

// A List from `kubectl get -o yaml` (kind List, or ServiceList & co. from the API) holds items.
const isList = (obj: RawObject): boolean =>
  Array.isArray(obj['items']) && typeof obj['kind'] === 'string' && obj['kind'].endsWith('List');

function flatten(objects: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  const visit = (value: unknown): void => {
    if (isRecord(value) && isList(value)) (value['items'] as unknown[]).forEach(visit);
    else if (value !== null && value !== undefined) out.push(value);
  };
  objects.forEach(visit);
  return out;
}

function zodMessage(error: z.ZodError): string {
  const [first, ...rest] = error.issues;
  if (first === undefined) return 'does not match its schema';
  const path = first.path.length === 0 ? '(object)' : first.path.join('.');
  const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length === 1 ? '' : 's'})` : '';
  return `${path}: ${first.message}${more}`;
}

// ---------------------------------------------------------------------------------------------
// Sorting objects into buckets

interface Sorted {
  buckets: Record<Bucket, unknown[]>;
  problems: SnapshotProblem[];
}

function problem(reason: SnapshotProblem['reason'], id: Identity, message: string): SnapshotProblem {
  return { reason, ...id, message };
}

function handlerFor(id: Identity): KindHandler | undefined {
  return id.apiVersion === null || id.kind === null ? undefined : HANDLERS[`${groupOf(id.apiVersion)}/${id.kind}`];
}

type SortResult = { bucket: Bucket; data: unknown; key: string } | SnapshotProblem;

const NO_IDENTITY: Identity = { apiVersion: null, kind: null, namespace: null, name: null };

function sortOne(value: unknown, seen: ReadonlySet<string>): SortResult {
  if (!isRecord(value)) return problem('not-an-object', NO_IDENTITY, `not a Kubernetes object: ${typeof value}`);
  const id = identityOf(value);
  const handler = handlerFor(id);
  if (handler === undefined) {
    const what = `${id.apiVersion ?? '(no apiVersion)'} ${id.kind ?? '(no kind)'}`;
    return problem('unknown-kind', id, `kind ${what} is not used by diagnose`);
  }
  // By group, not version: a BGPPeer read as v1beta1 and as v1beta2 is one object.
  const key = `${groupOf(id.apiVersion ?? '')}/${id.kind}/${id.namespace ?? ''}/${id.name ?? ''}`;
  if (seen.has(key)) return problem('duplicate-object', id, 'appears more than once; the first copy is used');
  const parsed = handler.schema.safeParse(value);
  if (!parsed.success) return problem('invalid-object', id, zodMessage(parsed.error));
  return { bucket: handler.bucket, data: parsed.data, key };
}

interface Named {
  metadata?: { namespace?: string | null; name?: string | null } | null;
  namespace?: string | null;
  name?: string | null;
}

const sortKey = (o: Named): string =>
  `${o.metadata?.namespace ?? o.namespace ?? ''}/${o.metadata?.name ?? o.name ?? ''}`;
const byNamespaceAndName = (a: unknown, b: unknown): number => {
  const [x, y] = [sortKey(a as Named), sortKey(b as Named)];
  return x < y ? -1 : x > y ? 1 : 0;
};

function sortObjects(objects: readonly unknown[]): Sorted {
  const buckets = Object.fromEntries(BUCKETS.map((b) => [b, [] as unknown[]])) as Record<Bucket, unknown[]>;
  const sorted: Sorted = { buckets, problems: [] };
  const seen = new Set<string>();
  for (const value of flatten(objects)) {
    const result = sortOne(value, seen);
    if ('reason' in result) {
      sorted.problems.push(result);
      continue;
    }
    seen.add(result.key);
    buckets[result.bucket].push(result.data);
  }
  for (const bucket of BUCKETS) buckets[bucket].sort(byNamespaceAndName);
  return sorted;
}

// ---------------------------------------------------------------------------------------------
// Finding MetalLB's own workloads (raw manifests or Helm, any namespace)

export type MetallbComponent = 'controller' | 'speaker';

type Labelled = { metadata: { labels?: Record<string, string> | null } };

/** Raw manifests label `app=metallb,component=X`; Helm labels `app.kubernetes.io/{name=metallb,component=X}`. */
export function hasMetallbLabels(obj: Labelled, component: MetallbComponent): boolean {
  const labels = obj.metadata.labels ?? {};
  const raw = labels['app'] === 'metallb' && labels['component'] === component;
  const helm = labels['app.kubernetes.io/name'] === 'metallb' && labels['app.kubernetes.io/component'] === component;
  return raw || helm;
}

const containersOf = (w: Deployment | DaemonSet | Pod): readonly Container[] =>
  (w.kind === 'Pod' ? w.spec?.containers : w.spec?.template?.spec?.containers) ?? [];

// Named controller/speaker (raw) or <release>-controller/-speaker (Helm) running a MetalLB image.
function isNamedLikeMetallb(w: Deployment | DaemonSet, component: MetallbComponent): boolean {
  const name = w.metadata.name;
  const named = name === component || name.endsWith(`-${component}`);
  return named && containersOf(w).some((c) => (c.image ?? '').includes('metallb'));
}

export function isMetallbWorkload(w: Deployment | DaemonSet, component: MetallbComponent): boolean {
  return hasMetallbLabels(w, component) || isNamedLikeMetallb(w, component);
}

/** The container running MetalLB: named after the component, else the first with a MetalLB image. */
export function metallbContainer(w: Deployment | DaemonSet | Pod, component: MetallbComponent): Container | undefined {
  const containers = containersOf(w);
  return (
    containers.find((c) => c.name === component) ??
    containers.find((c) => (c.image ?? '').includes('metallb')) ??
    containers[0]
  );
}

/** Tag of an image reference: registry ports and digests are not tags. */
export function imageTag(image: string): string | null {
  const withoutDigest = image.split('@')[0] ?? '';
  const lastPart = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  const colon = lastPart.indexOf(':');
  return colon < 0 || colon === lastPart.length - 1 ? null : lastPart.slice(colon + 1);
}

/** Go flags accept -x or --x, with "=value" or the value as the next argument. */
export function flagValue(args: readonly string[], flag: string): string | null {
  const pattern = new RegExp(`^--?${flag}(?:=(.*))?$`);
  for (let i = 0; i < args.length; i++) {
    const match = pattern.exec(args[i] ?? '');
    if (match) return match[1] ?? args[i + 1] ?? null;
  }
  return null;
}

interface MetallbPlacement {
  namespace: string | null;
  version: string | null;
  lbClass: string | null;
}

function inNamespace<T extends { metadata: { namespace?: string | null } }>(
  items: readonly T[],
  ns: string | undefined,
): T[] {
  return ns === undefined ? [...items] : items.filter((i) => i.metadata.namespace === ns);
}

// The namespace holding most pools; MetalLB only reads CRs in its own namespace.
function namespaceOfPools(pools: readonly IPAddressPool[]): string | null {
  const counts = new Map<string, number>();
  for (const pool of pools) {
    const ns = pool.metadata.namespace;
    if (ns) counts.set(ns, (counts.get(ns) ?? 0) + 1);
  }
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return ranked[0]?.[0] ?? null;
}

interface MetallbSources {
  controller: Deployment | undefined;
  speaker: DaemonSet | undefined;
  controllerPod: Pod | undefined;
}

function findMetallbSources(buckets: Record<Bucket, unknown[]>, hint: string | undefined): MetallbSources {
  const controllers = (buckets.deployments as Deployment[]).filter((d) => isMetallbWorkload(d, 'controller'));
  const speakers = (buckets.daemonSets as DaemonSet[]).filter((d) => isMetallbWorkload(d, 'speaker'));
  return {
    controller: inNamespace(controllers, hint)[0] ?? controllers[0],
    speaker: inNamespace(speakers, hint)[0] ?? speakers[0],
    controllerPod: (buckets.pods as Pod[]).find((p) => hasMetallbLabels(p, 'controller')),
  };
}

function placeMetallb(buckets: Record<Bucket, unknown[]>, hint: string | undefined): MetallbPlacement {
  const { controller, speaker, controllerPod } = findMetallbSources(buckets, hint);
  const namespace =
    hint ??
    controller?.metadata.namespace ??
    speaker?.metadata.namespace ??
    controllerPod?.metadata.namespace ??
    namespaceOfPools(buckets.pools as IPAddressPool[]);
  const source = controller ?? controllerPod;
  const container = source === undefined ? undefined : metallbContainer(source, 'controller');
  // The speaker image carries the same tag when the controller is not in the input.
  const image = container?.image ?? (speaker === undefined ? undefined : metallbContainer(speaker, 'speaker')?.image);
  const args = [...(container?.command ?? []), ...(container?.args ?? [])];
  return {
    namespace: namespace ?? null,
    version: image ? imageTag(image) : null,
    lbClass: flagValue(args, 'lb-class') || null,
  };
}

// ---------------------------------------------------------------------------------------------
// Public API

/** Validates and sorts raw objects; malformed or unknown ones become problems, never throws. */
export function snapshotFromObjects(objects: unknown[], opts: SnapshotOptions): ClusterSnapshot {
  const { buckets, problems } = sortObjects(objects);
  const placement = placeMetallb(buckets, opts.metallbNamespace);
  return {
    collectedAt: opts.collectedAt,
    source: opts.source,
    metallbNamespace: placement.namespace,
    metallbVersion: placement.version,
    lbClass: placement.lbClass,
    ...(buckets as unknown as Pick<ClusterSnapshot, Bucket>),
    logs: { controller: opts.logs?.controller ?? '', speaker: opts.logs?.speaker ?? '' },
    logsSince: opts.logsSince ?? null,
    problems,
  };
}

function yamlError(message: string): string {
  const firstLine = (message.split('\n')[0] ?? message).replace(/:\s*$/, '');
  return `invalid YAML: ${firstLine}`;
}

function parseYamlDocuments(text: string): { objects: unknown[] } | { error: string } {
  const objects: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    const [first] = doc.errors;
    if (first !== undefined) return { error: yamlError(first.message) };
    objects.push(doc.toJS({ maxAliasCount: 1000 }));
  }
  return { objects: flatten(objects) };
}

/**
 * Reads `kubectl get ... -o yaml|json` output: a List, multi-document YAML, a JSON object or
 * array. Lists are flattened. Malformed input gives a one-line error, never a throw.
 */
export function parseDump(text: string): { objects: unknown[] } | { error: string } {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const value: unknown = JSON.parse(trimmed);
      return { objects: flatten(Array.isArray(value) ? value : [value]) };
    } catch {
      // Not strict JSON (YAML flow style is a superset); let the YAML parser report it.
    }
  }
  try {
    return parseYamlDocuments(text);
  } catch (error) {
    return { error: yamlError(error instanceof Error ? error.message : String(error)) };
  }
}
