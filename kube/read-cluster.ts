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
] as const;

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
export class ClusterReadError extends Error {}

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
      throw new ClusterReadError(`cannot list ${what}: ${c.message}${hint}`);
    }
  }
}

async function findMetallbNamespace(apps: AppsV1Api): Promise<string | null> {
  for (const labelSelector of controllerSelectors) {
    const list = await listing('Deployments in all namespaces', () =>
      apps.listDeploymentForAllNamespaces({ labelSelector }),
    );
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
      const list = (await listing(`${kind} objects in ${namespace}`, () =>
        custom.listNamespacedCustomObject({ group: 'metallb.io', version, namespace, plural }),
      )) as { items?: object[] };
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

async function readEverything(kc: KubeConfig, scope: ReadScope): Promise<ClusterRead> {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const extensions = kc.makeApiClient(ApiextensionsV1Api);
  const crds = (
    await listing('CustomResourceDefinitions', () => extensions.listCustomResourceDefinition())
  ).items.filter((c) => c.spec.group === 'metallb.io');
  const metallbNamespace =
    scope.metallbNamespace ?? (await findMetallbNamespace(apps)) ?? (crds.length ? 'metallb-system' : null);
  const svcNs = scope.serviceNamespace;
  const [services, events, nodes, namespaces] = await Promise.all([
    listing('Services', () =>
      svcNs ? core.listNamespacedService({ namespace: svcNs }) : core.listServiceForAllNamespaces(),
    ),
    listing('Events', () =>
      svcNs
        ? core.listNamespacedEvent({ namespace: svcNs, fieldSelector: 'involvedObject.kind=Service' })
        : core.listEventForAllNamespaces({ fieldSelector: 'involvedObject.kind=Service' }),
    ),
    listing('Nodes', () => core.listNode()),
    listing('Namespaces', () => core.listNamespace()),
  ]);
  const objects: unknown[] = [
    ...withKind(crds, 'apiextensions.k8s.io/v1', 'CustomResourceDefinition'),
    ...withKind(services.items, 'v1', 'Service'),
    ...withKind(events.items, 'v1', 'Event'),
    ...withKind(nodes.items, 'v1', 'Node'),
    ...withKind(namespaces.items, 'v1', 'Namespace'),
  ];
  if (!metallbNamespace) return { objects, logs: { controller: '', speaker: '' }, metallbNamespace };
  const ns = metallbNamespace;
  const [deployments, daemonSets, pods, configMaps, metallbObjects] = await Promise.all([
    listing(`Deployments in ${ns}`, () => apps.listNamespacedDeployment({ namespace: ns })),
    listing(`DaemonSets in ${ns}`, () => apps.listNamespacedDaemonSet({ namespace: ns })),
    listing(`Pods in ${ns}`, () => core.listNamespacedPod({ namespace: ns })),
    listing(`ConfigMaps in ${ns}`, () => core.listNamespacedConfigMap({ namespace: ns })),
    readMetallbObjects(custom, crds, ns),
  ]);
  const byComponent = (component: string) =>
    pods.items.filter((p) =>
      [p.metadata?.labels?.component, p.metadata?.labels?.['app.kubernetes.io/component']].includes(component),
    );
  const [controllerLog, speakerLog] = await Promise.all([
    podLogs(core, byComponent('controller'), 'controller', scope.logSinceSeconds),
    podLogs(core, byComponent('speaker'), 'speaker', scope.logSinceSeconds),
  ]);
  objects.push(
    ...withKind(deployments.items, 'apps/v1', 'Deployment'),
    ...withKind(daemonSets.items, 'apps/v1', 'DaemonSet'),
    ...withKind(pods.items, 'v1', 'Pod'),
    ...withKind(configMaps.items, 'v1', 'ConfigMap'),
    ...metallbObjects,
  );
  return { objects, logs: { controller: controllerLog, speaker: speakerLog }, metallbNamespace };
}
