import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1CustomResourceDefinition,
  type V1Pod,
} from '@kubernetes/client-node';
import { classifyKubeError } from '../domain/kube-errors.js';
import { clusterName } from './client.js';
import { redactValue } from '../domain/redact.js';

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
  metadata?: { _continue?: string } | undefined;
}

const isExpiredContinue = (error: unknown): boolean => (error as { code?: unknown }).code === 410;

/**
 * Every item of a list, PAGE_SIZE at a time, so no single response holds a large cluster's
 * objects. A continue token that expired (410) restarts the list once from the beginning.
 */
export async function listAll<T>(
  what: string,
  call: (page: { limit: number; _continue?: string }) => Promise<Page<T>>,
): Promise<T[]> {
  for (let restarts = 0; ; restarts++) {
    const items: T[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await listing(what, () => call({ limit: PAGE_SIZE, ...(token ? { _continue: token } : {}) }));
        items.push(...page.items);
        token = page.metadata?._continue || undefined;
      } while (token);
      return items;
    } catch (error) {
      if (restarts > 0 || !isExpiredContinue((error as { cause?: unknown }).cause ?? error)) throw error;
    }
  }
}

// Both label conventions are asked at once; the first convention that finds a controller wins.
async function findMetallbNamespace(apps: AppsV1Api): Promise<string | null> {
  const lists = await Promise.all(
    controllerSelectors.map((labelSelector) =>
      listing('Deployments in all namespaces', () => apps.listDeploymentForAllNamespaces({ labelSelector })),
    ),
  );
  for (const list of lists) {
    const found = list.items.find((d) => d.metadata?.namespace);
    if (found) return found.metadata!.namespace!;
  }
  return null;
}

/** The version to read a MetalLB kind at: the newest one its CRD serves. */
function servedVersion(
  crds: V1CustomResourceDefinition[],
  plural: string,
  preferred: readonly string[],
): string | undefined {
  const crd = crds.find((c) => c.metadata?.name === `${plural}.metallb.io`);
  const served = new Set((crd?.spec.versions ?? []).filter((v) => v.served).map((v) => v.name));
  return preferred.find((v) => served.has(v));
}

async function readMetallbObjects(custom: CustomObjectsApi, crds: V1CustomResourceDefinition[], namespace: string) {
  const lists = await Promise.all(
    metallbKinds.map(async ({ kind, plural, versions }) => {
      const version = servedVersion(crds, plural, versions);
      if (!version) return [];
      const read = listing(`${kind} objects in ${namespace}`, () =>
        custom.listNamespacedCustomObject({ group: 'metallb.io', version, namespace, plural }),
      );
      const list = (await (optionalPlurals.has(plural) ? read.catch(() => ({ items: [] })) : read)) as {
        items?: object[];
      };
      // Inline BGPPeer passwords and last-applied copies are replaced here: nothing downstream needs their values.
      return withKind(
        (list.items ?? []).map((item) => redactValue(item) as object),
        `metallb.io/${version}`,
        kind,
      );
    }),
  );
  return lists.flat();
}

async function podLogs(core: CoreV1Api, pods: V1Pod[], container: string, sinceSeconds: number): Promise<string> {
  const texts = await Promise.all(
    pods.map(async (pod) => {
      const names = (pod.spec?.containers ?? []).map((c) => c.name);
      const name = names.includes(container) ? container : names[0];
      if (!pod.metadata?.name || !name) return '';
      try {
        return await core.readNamespacedPodLog({
          name: pod.metadata.name,
          namespace: pod.metadata.namespace!,
          container: name,
          sinceSeconds,
          timestamps: true,
        });
      } catch {
        // A pod that is starting or gone has no log yet; the workload check reports its state.
        return '';
      }
    }),
  );
  return texts.filter(Boolean).join('\n');
}

/** Reads everything a diagnosis looks at, in parallel, without writing anything. */
export async function readCluster(kc: KubeConfig, scope: ReadScope): Promise<ClusterRead> {
  try {
    return await readEverything(kc, scope);
  } catch (error) {
    // Name the server the user pointed us at: the usual cause is the wrong context or a tunnel that is down.
    if (error instanceof ClusterReadError && error.message.startsWith('cannot reach')) {
      throw new ClusterReadError(
        error.message.replace('API server', `API server at ${kc.getCurrentCluster()?.server}`),
      );
    }
    throw error;
  }
}

interface Apis {
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
}

/** Objects outside MetalLB's namespace: Services and their Events, Nodes, Namespaces. */
async function readClusterWide(core: CoreV1Api, serviceNamespace: string | undefined): Promise<unknown[]> {
  const eventSelector = { fieldSelector: 'involvedObject.kind=Service' };
  const [services, events, nodes, namespaces] = await Promise.all([
    listAll('Services', (page) =>
      serviceNamespace
        ? core.listNamespacedService({ namespace: serviceNamespace, ...page })
        : core.listServiceForAllNamespaces(page),
    ),
    listAll('Events', (page) =>
      serviceNamespace
        ? core.listNamespacedEvent({ namespace: serviceNamespace, ...eventSelector, ...page })
        : core.listEventForAllNamespaces({ ...eventSelector, ...page }),
    ),
    listing('Nodes', () => core.listNode()),
    listing('Namespaces', () => core.listNamespace()),
  ]);
  return [
    ...withKind(services, 'v1', 'Service'),
    ...withKind(events, 'v1', 'Event'),
    ...withKind(nodes.items, 'v1', 'Node'),
    ...withKind(namespaces.items, 'v1', 'Namespace'),
  ];
}

// The pods' logs are read as soon as the pods are listed, alongside the namespace's other lists.
async function readPodsAndLogs(core: CoreV1Api, ns: string, logSinceSeconds: number) {
  const pods = await listing(`Pods in ${ns}`, () => core.listNamespacedPod({ namespace: ns }));
  const byComponent = (component: string) =>
    pods.items.filter((p) =>
      [p.metadata?.labels?.component, p.metadata?.labels?.['app.kubernetes.io/component']].includes(component),
    );
  const [controller, speaker] = await Promise.all([
    podLogs(core, byComponent('controller'), 'controller', logSinceSeconds),
    podLogs(core, byComponent('speaker'), 'speaker', logSinceSeconds),
  ]);
  return { pods: pods.items, logs: { controller, speaker } };
}

async function readMetallbNamespace(
  apis: Apis,
  crdsRead: Promise<V1CustomResourceDefinition[]>,
  ns: string,
  logSinceSeconds: number,
): Promise<{ objects: unknown[]; logs: ClusterRead['logs'] }> {
  const [deployments, daemonSets, podsAndLogs, configMaps, metallbObjects] = await Promise.all([
    listing(`Deployments in ${ns}`, () => apis.apps.listNamespacedDeployment({ namespace: ns })),
    listing(`DaemonSets in ${ns}`, () => apis.apps.listNamespacedDaemonSet({ namespace: ns })),
    readPodsAndLogs(apis.core, ns, logSinceSeconds),
    listing(`ConfigMaps in ${ns}`, () => apis.core.listNamespacedConfigMap({ namespace: ns })),
    crdsRead.then((crds) => readMetallbObjects(apis.custom, crds, ns)),
  ]);
  const objects = [
    ...withKind(deployments.items, 'apps/v1', 'Deployment'),
    ...withKind(daemonSets.items, 'apps/v1', 'DaemonSet'),
    ...withKind(podsAndLogs.pods, 'v1', 'Pod'),
    ...withKind(configMaps.items, 'v1', 'ConfigMap'),
    ...metallbObjects,
  ];
  return { objects, logs: podsAndLogs.logs };
}

async function resolveMetallbNamespace(
  scope: ReadScope,
  apps: AppsV1Api,
  crdsRead: Promise<V1CustomResourceDefinition[]>,
): Promise<string | null> {
  if (scope.metallbNamespace) return scope.metallbNamespace;
  const found = await findMetallbNamespace(apps);
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

// Every list starts as soon as what it depends on is known: the cluster-wide lists, the CRDs and
// the search for MetalLB's namespace at once; that namespace's lists (and the pods' logs) next.
async function readEverything(kc: KubeConfig, scope: ReadScope): Promise<ClusterRead> {
  const apis: Apis = {
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
  };
  const extensions = kc.makeApiClient(ApiextensionsV1Api);
  const crdsRead = listing('CustomResourceDefinitions', () => extensions.listCustomResourceDefinition()).then((list) =>
    list.items.filter((c) => c.spec.group === 'metallb.io'),
  );
  const namespaceRead = resolveMetallbNamespace(scope, apis.apps, crdsRead);
  const [crds, clusterWide, metallbNamespace, inNamespace] = await Promise.all([
    crdsRead,
    readClusterWide(apis.core, scope.serviceNamespace),
    namespaceRead,
    namespaceRead.then((ns) => (ns ? readMetallbNamespace(apis, crdsRead, ns, scope.logSinceSeconds) : null)),
  ]);
  // Every command that reads the cluster (diagnose, plan, explain, apply, the runs) needs MetalLB to be there.
  if (crds.length === 0)
    throw new ClusterReadError(
      `MetalLB is not installed on ${clusterName(kc)}: no metallb.io CustomResourceDefinitions`,
    );
  requireNamespaceListed(scope.metallbNamespace, clusterWide);
  const objects: unknown[] = [
    ...withKind(crds, 'apiextensions.k8s.io/v1', 'CustomResourceDefinition'),
    ...clusterWide,
    ...(inNamespace?.objects ?? []),
  ];
  return { objects, logs: inNamespace?.logs ?? { controller: '', speaker: '' }, metallbNamespace };
}
