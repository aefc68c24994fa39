// Small builders for Kubernetes and MetalLB objects in tests. Documentation address ranges only
// (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32).
import { diagnose } from '../../../domain/diagnose/index.js';
import type { DiagnosisReport, Finding } from '../../../domain/diagnose/report.js';
import { snapshotFromObjects, type ClusterSnapshot, type SnapshotOptions } from '../../../domain/snapshot.js';

export const NS = 'metallb-system';
export const NOW = '2026-11-23T12:00:00.000Z';
export const VERSION = 'v0.16.1';

type Obj = Record<string, unknown>;
type Labels = Record<string, string>;

const meta = (name: string, namespace?: string | null, extra: Obj = {}): Obj => ({
  name,
  ...(namespace === null || namespace === undefined ? {} : { namespace }),
  ...extra,
});

/** ISO time `seconds` before NOW. */
export const ago = (seconds: number): string => new Date(Date.parse(NOW) - seconds * 1000).toISOString();

// ---------------------------------------------------------------------------------------------
// metallb.io

export interface PoolOptions {
  autoAssign?: boolean;
  avoidBuggyIPs?: boolean;
  serviceAllocation?: Obj;
  labels?: Labels;
  status?: Obj;
  namespace?: string;
}

export function pool(name: string, addresses: string[], o: PoolOptions = {}): Obj {
  const spec: Obj = { addresses, autoAssign: o.autoAssign ?? true, avoidBuggyIPs: o.avoidBuggyIPs ?? false };
  if (o.serviceAllocation) spec['serviceAllocation'] = o.serviceAllocation;
  return {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metadata: meta(name, o.namespace ?? NS, o.labels ? { labels: o.labels } : {}),
    spec,
    ...(o.status ? { status: o.status } : {}),
  };
}

export const l2Adv = (name: string, spec: Obj = {}, namespace = NS): Obj => ({
  apiVersion: 'metallb.io/v1beta1',
  kind: 'L2Advertisement',
  metadata: meta(name, namespace),
  spec,
});

export const bgpAdv = (name: string, spec: Obj = {}): Obj => ({
  apiVersion: 'metallb.io/v1beta1',
  kind: 'BGPAdvertisement',
  metadata: meta(name, NS),
  spec,
});

export const bgpPeer = (name: string, spec: Obj = {}, version: 'v1beta1' | 'v1beta2' = 'v1beta2'): Obj => ({
  apiVersion: `metallb.io/${version}`,
  kind: 'BGPPeer',
  metadata: meta(name, NS),
  spec: { myASN: 64500, peerASN: 64501, peerAddress: '203.0.113.1', ...spec },
});

export const community = (name: string, entries: { name: string; value: string }[]): Obj => ({
  apiVersion: 'metallb.io/v1beta1',
  kind: 'Community',
  metadata: meta(name, NS),
  spec: { communities: entries },
});

export const bfdProfile = (name: string): Obj => ({
  apiVersion: 'metallb.io/v1beta1',
  kind: 'BFDProfile',
  metadata: meta(name, NS),
  spec: {},
});

export function configurationState(
  name: string,
  result: string,
  errorSummary = '',
  lastTransitionTime = ago(600),
): Obj {
  const component = name === 'controller' ? 'controller' : 'speaker';
  return {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'ConfigurationState',
    metadata: meta(name, NS, { labels: { 'metallb.io/component-type': component } }),
    status: {
      result,
      errorSummary,
      conditions: [
        {
          type: `${component === 'controller' ? 'pool' : 'config'}ReconcilerValid`,
          status: result === 'Valid' ? 'True' : 'False',
          reason: 'ConfigurationError',
          lastTransitionTime,
        },
      ],
    },
  };
}

export const legacyAddressPool = (name: string, addresses: string[]): Obj => ({
  apiVersion: 'metallb.io/v1beta1',
  kind: 'AddressPool',
  metadata: meta(name, NS),
  spec: { protocol: 'layer2', addresses },
});

// ---------------------------------------------------------------------------------------------
// Services and events

export interface ServiceOptions {
  ips?: string[];
  annotations?: Labels;
  labels?: Labels;
  loadBalancerIP?: string;
  loadBalancerClass?: string;
  type?: string;
  ports?: { port: number; protocol?: string }[];
  externalTrafficPolicy?: 'Cluster' | 'Local';
  selector?: Labels;
}

/** `key` is "<namespace>/<name>". */
export function service(key: string, o: ServiceOptions = {}): Obj {
  const [namespace, name] = key.split('/') as [string, string];
  const spec: Obj = {
    type: o.type ?? 'LoadBalancer',
    ports: o.ports ?? [{ port: 80, protocol: 'TCP' }],
    selector: o.selector ?? { app: name },
    externalTrafficPolicy: o.externalTrafficPolicy ?? 'Cluster',
  };
  if (o.loadBalancerIP) spec['loadBalancerIP'] = o.loadBalancerIP;
  if (o.loadBalancerClass) spec['loadBalancerClass'] = o.loadBalancerClass;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name, namespace, {
      ...(o.annotations ? { annotations: o.annotations } : {}),
      ...(o.labels ? { labels: o.labels } : {}),
    }),
    spec,
    status: { loadBalancer: o.ips ? { ingress: o.ips.map((ip) => ({ ip })) } : {} },
  };
}

/** A Service holding `ips`, annotated the way MetalLB >= 0.14.9 annotates it. */
export const allocated = (key: string, ips: string[], fromPool: string, o: ServiceOptions = {}): Obj =>
  service(key, { ...o, ips, annotations: { 'metallb.io/ip-allocated-from-pool': fromPool, ...o.annotations } });

export function event(serviceKey: string, reason: string, message: string, time: string, type = 'Warning'): Obj {
  const [namespace, name] = serviceKey.split('/') as [string, string];
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: meta(`${name}.${reason}.${time}`, namespace),
    involvedObject: { kind: 'Service', namespace, name },
    reason,
    message,
    type,
    count: 1,
    firstTimestamp: time,
    lastTimestamp: time,
    source: { component: 'metallb-controller' },
  };
}

// ---------------------------------------------------------------------------------------------
// Cluster objects

export const namespace = (name: string, labels: Labels = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: meta(name, null, { labels }),
});

export const node = (name: string, labels: Labels = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: meta(name, null, { labels: { 'kubernetes.io/hostname': name, ...labels } }),
});

export const configMap = (name: string, data: Labels, ns = NS): Obj => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: meta(name, ns),
  data,
});

const componentLabels = (component: string, helm: boolean): Labels =>
  helm
    ? {
        'app.kubernetes.io/name': 'metallb',
        'app.kubernetes.io/instance': 'metallb',
        'app.kubernetes.io/component': component,
      }
    : { app: 'metallb', component };

export interface ControllerOptions {
  version?: string;
  replicas?: number;
  available?: number;
  args?: string[];
  generation?: number;
  observedGeneration?: number;
  conditions?: Obj[];
  helm?: boolean;
  namespace?: string;
}

export function controllerDeployment(o: ControllerOptions = {}): Obj {
  const labels = componentLabels('controller', o.helm ?? false);
  const replicas = o.replicas ?? 1;
  const available = o.available ?? replicas;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(o.helm ? 'metallb-controller' : 'controller', o.namespace ?? NS, {
      labels,
      generation: o.generation ?? 1,
    }),
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'controller',
              image: `quay.io/metallb/controller:${o.version ?? VERSION}`,
              args: o.args ?? ['--port=7472', '--log-level=info'],
            },
          ],
        },
      },
    },
    status: {
      observedGeneration: o.observedGeneration ?? o.generation ?? 1,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: available,
      availableReplicas: available,
      conditions: o.conditions ?? [
        { type: 'Available', status: 'True' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
      ],
    },
  };
}

export interface SpeakerOptions {
  version?: string;
  desired?: number;
  available?: number;
  updated?: number;
  helm?: boolean;
  namespace?: string;
}

export function speakerDaemonSet(o: SpeakerOptions = {}): Obj {
  const labels = componentLabels('speaker', o.helm ?? false);
  const desired = o.desired ?? 3;
  const available = o.available ?? desired;
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: meta(o.helm ? 'metallb-speaker' : 'speaker', o.namespace ?? NS, { labels, generation: 1 }),
    spec: {
      selector: { matchLabels: labels },
      updateStrategy: { type: 'RollingUpdate' },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'speaker', image: `quay.io/metallb/speaker:${o.version ?? VERSION}` }] },
      },
    },
    status: {
      observedGeneration: 1,
      desiredNumberScheduled: desired,
      currentNumberScheduled: desired,
      updatedNumberScheduled: o.updated ?? desired,
      numberReady: available,
      numberAvailable: available,
    },
  };
}

export interface PodOptions {
  ready?: boolean;
  restarts?: number;
  waiting?: string;
  lastFinishedAt?: string;
  lastReason?: string;
  helm?: boolean;
  version?: string;
}

export function pod(name: string, component: 'controller' | 'speaker', o: PodOptions = {}): Obj {
  const ready = o.ready ?? true;
  const status: Obj = {
    name: component,
    ready,
    restartCount: o.restarts ?? 0,
    state: o.waiting ? { waiting: { reason: o.waiting } } : { running: {} },
    ...(o.lastFinishedAt
      ? { lastState: { terminated: { reason: o.lastReason ?? 'Error', exitCode: 1, finishedAt: o.lastFinishedAt } } }
      : {}),
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(name, NS, { labels: componentLabels(component, o.helm ?? false) }),
    spec: {
      nodeName: 'node-1',
      containers: [{ name: component, image: `quay.io/metallb/${component}:${o.version ?? VERSION}` }],
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [status],
    },
  };
}

export function crd(
  plural: string,
  versions: { name: string; served?: boolean; storage?: boolean }[] = [{ name: 'v1beta1' }],
  storedVersions?: string[],
): Obj {
  const kind = plural === 'communities' ? 'Community' : plural.replace(/(es|s)$/, '');
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: meta(`${plural}.metallb.io`, null),
    spec: {
      group: 'metallb.io',
      names: { kind, plural },
      scope: 'Namespaced',
      versions: versions.map((v, i) => ({
        name: v.name,
        served: v.served ?? true,
        storage: v.storage ?? i === versions.length - 1,
      })),
    },
    status: { storedVersions: storedVersions ?? [versions.at(-1)!.name] },
  };
}

/** The CRDs of MetalLB v0.16 (BGPPeer serves v1beta1 and v1beta2, stores v1beta2). */
export function metallbCrds(): Obj[] {
  const plain = [
    'ipaddresspools',
    'l2advertisements',
    'bgpadvertisements',
    'communities',
    'bfdprofiles',
    'servicel2statuses',
    'servicebgpstatuses',
    'configurationstates',
  ];
  return [
    ...plain.map((p) => crd(p)),
    crd('bgppeers', [
      { name: 'v1beta1', storage: false },
      { name: 'v1beta2', storage: true },
    ]),
  ];
}

// ---------------------------------------------------------------------------------------------
// Whole clusters

/** MetalLB installed and healthy: workloads, pods, CRDs, namespaces and nodes (no pools, no Services). */
export function installation(o: { version?: string; args?: string[] } = {}): Obj[] {
  return [
    namespace(NS),
    namespace('demo', { team: 'demo' }),
    node('node-1'),
    node('node-2'),
    node('node-3'),
    controllerDeployment({ ...(o.version ? { version: o.version } : {}), ...(o.args ? { args: o.args } : {}) }),
    speakerDaemonSet(o.version ? { version: o.version } : {}),
    pod('controller-7d4b9c8f6-abcde', 'controller', o.version ? { version: o.version } : {}),
    pod('speaker-aaaaa', 'speaker'),
    pod('speaker-bbbbb', 'speaker'),
    pod('speaker-ccccc', 'speaker'),
    ...metallbCrds(),
  ];
}

/** One pool, one L2Advertisement for it, three Services with IPs inside it. */
export function healthyCluster(o: { version?: string } = {}): Obj[] {
  return [
    ...installation(o),
    pool('demo-pool', ['192.0.2.0/24']),
    l2Adv('demo-l2', { ipAddressPools: ['demo-pool'] }),
    allocated('demo/web', ['192.0.2.10'], 'demo-pool'),
    allocated('demo/api', ['192.0.2.11'], 'demo-pool'),
    allocated('demo/db', ['192.0.2.12'], 'demo-pool', { ports: [{ port: 5432 }] }),
    service('demo/internal', { type: 'ClusterIP' }),
  ];
}

export function snapshot(objects: unknown[], o: Partial<SnapshotOptions> = {}): ClusterSnapshot {
  return snapshotFromObjects(objects, { collectedAt: NOW, source: 'cluster', ...o });
}

export function run(objects: unknown[], o: Partial<SnapshotOptions> = {}): DiagnosisReport {
  return diagnose(snapshot(objects, o));
}

/** Findings of one check, or with one id. */
export const ofCheck = (report: DiagnosisReport, check: Finding['check']): Finding[] =>
  report.findings.filter((f) => f.check === check);
export const withId = (report: DiagnosisReport, id: string): Finding[] => report.findings.filter((f) => f.id === id);
/** Errors and warnings only. */
export const problems = (report: DiagnosisReport): Finding[] => report.findings.filter((f) => f.severity !== 'info');
/** Compact form for exact assertions. */
export const brief = (f: Finding) => ({
  id: f.id,
  severity: f.severity,
  objects: f.objects,
  fix: f.fix?.command ?? null,
});
