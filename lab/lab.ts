import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, CustomObjectsApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { alertmanagerSpec, alertmanagerUrl } from './alertmanager.js';
import { ensureBuilt, type BuiltComponent } from './build.js';
import { metallbComponentFor } from './components.js';
import { apiServerUrl, labConfig, temporalAddress, temporalUiUrl, type LabConfig, type LabOptions } from './config.js';
import { applyObjects, labKubeConfig, readManifestDir } from './kube.js';
import { controllerDeployment, fakeNode, namespace, speakerDaemonSet } from './manifests.js';
import { ensurePki, ensureWebhookTls, writeKubeconfig } from './pki.js';
import { auditFlags, writeAuditPolicy } from './audit.js';
import { listDaemons, runningDaemon, startDaemon, stopDaemon, stopPid, waitFor, type DaemonSpec } from './processes.js';
import {
  podNamePlaceholder,
  readControllerState,
  readLabRecord,
  writeLabRecord,
  type ControllerIsolation,
  type LabRecord,
} from './record.js';
import { labProcesses } from './status.js';
import { labWebhookConfiguration, readDerivedWebhooks, setLabWebhook, type LabWebhook } from './webhook.js';
import { deploymentRolloutStatus, daemonSetRolloutStatus } from '../domain/rollout.js';
import { changeSearchAttributes } from '../domain/audit/search-attributes.js';

export { labStatus, type LabStatus } from './status.js';

export type Log = (line: string) => void;
const defaultLog: Log = (line) => console.log(`[lab] ${line}`);

/** Search attributes the runbook workflows index by; registered when the server starts. */
export const labSearchAttributes = changeSearchAttributes;

/** Compiled (dist/lab/), node runs the compiled supervisor; from the TypeScript sources it needs tsx. */
const runningCompiled = import.meta.url.endsWith('.js');
// Compiled, through ../lab/ so that the path holds from the CLI's bundle in dist/cli/ as well as from dist/lab/.
const supervisorScript = fileURLToPath(
  new URL(runningCompiled ? '../lab/supervisor.js' : './supervisor.ts', import.meta.url),
);
const supervisorArgs = runningCompiled ? [supervisorScript] : ['--import', 'tsx', supervisorScript];

function getStatus(url: string, insecureTls: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? request : httpRequest;
    const req = send(url, { rejectUnauthorized: !insecureTls, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.end();
  });
}

async function waitHealthy(what: string, url: string, timeoutMs = 90_000): Promise<void> {
  await waitFor(what, async () => (await getStatus(url, true)) === 200, { timeoutMs });
}

function daemonSpecs(config: LabConfig, bins: Map<string, BuiltComponent>, pkiFiles: ReturnType<typeof ensurePki>) {
  const host = config.host;
  const p = config.ports;
  const kube = bins.get('kubernetes')!;
  const etcdUrl = `http://${host}:${p.etcdClient}`;
  const etcd: DaemonSpec = {
    name: 'etcd',
    command: bins.get('etcd')!.binary('etcd'),
    args: [
      '--name=lab',
      `--data-dir=${path.join(config.stateDir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://${host}:${p.etcdPeer}`,
      `--initial-advertise-peer-urls=http://${host}:${p.etcdPeer}`,
      `--initial-cluster=lab=http://${host}:${p.etcdPeer}`,
      '--unsafe-no-fsync=true',
      '--auto-compaction-retention=1',
      '--log-level=warn',
    ],
  };
  const apiServer: DaemonSpec = {
    name: 'kube-apiserver',
    command: kube.binary('kube-apiserver'),
    args: [
      `--etcd-servers=${etcdUrl}`,
      `--bind-address=${host}`,
      `--advertise-address=${host}`,
      `--secure-port=${p.apiServer}`,
      // The endpoint reconciler refuses a loopback advertise address.
      '--endpoint-reconciler-type=none',
      `--cert-dir=${path.join(config.stateDir, 'pki', 'serving')}`,
      `--token-auth-file=${pkiFiles.tokensFile}`,
      '--authorization-mode=RBAC',
      `--service-account-issuer=https://${host}:${p.apiServer}`,
      `--service-account-key-file=${pkiFiles.serviceAccountPub}`,
      `--service-account-signing-key-file=${pkiFiles.serviceAccountKey}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--allow-privileged=true',
      '--disable-admission-plugins=ServiceAccount',
      // `kubectl logs` dials the node's Hostname address, which kwok sets to localhost.
      '--kubelet-preferred-address-types=Hostname',
      '--profiling=false',
      // ServiceAccount requests only (lab/audit.ts): the record a least-privilege test compares RBAC with.
      ...auditFlags(writeAuditPolicy(config.stateDir)),
    ],
  };
  const controllerManager: DaemonSpec = {
    name: 'kube-controller-manager',
    command: kube.binary('kube-controller-manager'),
    args: [
      `--kubeconfig=${config.kubeconfig}`,
      '--leader-elect=false',
      `--bind-address=${host}`,
      '--secure-port=0',
      `--service-account-private-key-file=${pkiFiles.serviceAccountKey}`,
      '--use-service-account-credentials=false',
      '--profiling=false',
    ],
  };
  const scheduler: DaemonSpec = {
    name: 'kube-scheduler',
    command: kube.binary('kube-scheduler'),
    args: [
      `--kubeconfig=${config.kubeconfig}`,
      '--leader-elect=false',
      `--bind-address=${host}`,
      `--secure-port=${p.scheduler}`,
      '--profiling=false',
    ],
  };
  const kwokDir = bins.get('kwok')!.dir;
  const kwok: DaemonSpec = {
    name: 'kwok',
    command: bins.get('kwok')!.binary('kwok'),
    args: [
      `--kubeconfig=${config.kubeconfig}`,
      `--config=${path.join(kwokDir, 'kustomize', 'stage', 'fast')}`,
      '--enable-crds=Logs',
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--node-name=localhost',
      `--node-port=${p.kwok}`,
      `--server-address=${host}:${p.kwok}`,
      '--cidr=10.244.0.0/16',
      '--node-lease-duration-seconds=40',
    ],
  };
  return { etcd, apiServer, controllerManager, scheduler, kwok };
}

function temporalSpec(config: LabConfig, bins: Map<string, BuiltComponent>): DaemonSpec {
  const p = config.ports;
  return {
    name: 'temporal',
    command: bins.get('temporal')!.binary('temporal'),
    args: [
      'server',
      'start-dev',
      `--ip=${config.host}`,
      `--port=${p.temporal}`,
      `--ui-port=${p.temporalUi}`,
      `--http-port=${p.temporalHttp}`,
      `--metrics-port=${p.temporalMetrics}`,
      // SQLite on disk: histories survive a server restart.
      `--db-filename=${path.join(config.stateDir, 'temporal.db')}`,
      '--namespace=default',
      '--log-format=json',
      '--log-level=warn',
      '--dynamic-config-value=frontend.enableServerVersionCheck=false',
      ...Object.entries(labSearchAttributes).map(([key, type]) => `--search-attribute=${key}=${type}`),
    ],
  };
}

function metallbArgs(config: LabConfig, version: string): string[] {
  const common = [`--kubeconfig=${config.kubeconfig}`, `--namespace=${config.namespace}`, '--log-level=info'];
  if (isLegacyMetallb(version)) {
    // v0.13 has neither --pod-name nor a separate health port; metrics are plain HTTP. Its webhook stays off.
    return [...common, '--webhook-mode=disabled', '--disable-cert-rotation', `--port=${config.ports.metallbMetrics}`];
  }
  return [
    ...common,
    // The webhook serves on 9443 (fixed) with the lab CA's certificate from $TMPDIR; no rotator, no Secret.
    '--webhook-mode=enabled',
    '--disable-cert-rotation',
    `--port=${config.ports.metallbMetrics}`,
    `--health-probe-port=${config.ports.metallbHealth}`,
    `--pod-name=${podNamePlaceholder}`,
  ];
}

const isLegacyMetallb = (version: string) => version.startsWith('v0.13.');

/** MetalLB's webhook port: `internal/k8s/k8s.go` webhookServer() has `Port: 9443` and no flag. */
const metallbWebhookPort = 9443;

/**
 * The controller's own network namespace and the forwards across it: the API server's port inside
 * leads to the host's API server; the lab's webhook, metrics and health ports on the host lead to
 * the controller's ports inside.
 */
function controllerIsolation(config: LabConfig, withWebhook: boolean): ControllerIsolation {
  const socketDir = path.join(config.stateDir, 'netns');
  const socket = (name: string) => ({ socket: path.join(socketDir, `${name}.sock`) });
  const p = config.ports;
  const outward: [string, number, number][] = [
    ['metrics', p.metallbMetrics, p.metallbMetrics],
    ...(withWebhook
      ? ([
          ['health', p.metallbHealth, p.metallbHealth],
          ['webhook', p.metallbWebhook, metallbWebhookPort],
        ] as [string, number, number][])
      : []),
  ];
  return {
    socketDir,
    hostForwards: [
      { listen: socket('api'), target: { port: p.apiServer } },
      ...outward.map(([name, hostPort]) => ({ listen: { port: hostPort }, target: socket(name) })),
    ],
    namespaceForwards: [
      { listen: { port: p.apiServer }, target: socket('api') },
      ...outward.map(([name, , insidePort]) => ({ listen: socket(name), target: { port: insidePort } })),
    ],
  };
}

/** Derives and writes the lab's ValidatingWebhookConfiguration; null for a MetalLB the lab serves no webhook for. */
function prepareWebhook(config: LabConfig, metallb: BuiltComponent): LabRecord['webhook'] {
  if (isLegacyMetallb(metallb.version)) return null;
  const webhooks = readDerivedWebhooks(metallb.dir);
  if (!webhooks.length) {
    throw new Error(
      `the MetalLB ${metallb.version} build in ${metallb.dir} has no derived webhooks; remove it to rebuild`,
    );
  }
  const tls = ensureWebhookTls(config.stateDir);
  const configuration = labWebhookConfiguration(webhooks, {
    port: config.ports.metallbWebhook,
    caPem: readFileSync(tls.caCert, 'utf8'),
  });
  const configurationFile = path.join(config.stateDir, 'webhook-configuration.json');
  writeFileSync(configurationFile, `${JSON.stringify(configuration, null, 2)}\n`);
  return { port: config.ports.metallbWebhook, configurationFile };
}

/** What `setLabWebhook` needs for a recorded lab. */
export function labWebhook(record: LabRecord): LabWebhook {
  return {
    kc: labKubeConfig(record.kubeconfig),
    namespace: record.namespace,
    configuration: record.webhook
      ? (JSON.parse(readFileSync(record.webhook.configurationFile, 'utf8')) as KubernetesObject)
      : null,
  };
}

async function waitTemporal(address: string): Promise<void> {
  // Imported here: diagnose reads the lab's record through this module and must not load Temporal.
  const { Connection } = await import('@temporalio/client');
  await waitFor(
    `Temporal server on ${address}`,
    async () => {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return true;
      } finally {
        await connection.close();
      }
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
}

/** How long the lab's Temporal keeps closed runs; the audit log keeps their records for good. */
export const labRetentionDays = 3;

/** Sets the namespace's retention (the dev server's default is 1 day), so it is a choice, documented. */
async function setLabRetention(address: string, namespace: string): Promise<void> {
  const { Connection } = await import('@temporalio/client');
  const { msToTs } = await import('@temporalio/common/lib/time.js');
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService.updateNamespace({
      namespace,
      config: { workflowExecutionRetentionTtl: msToTs(labRetentionDays * 86_400_000) },
    });
  } finally {
    await connection.close();
  }
}

async function waitRolledOut(kc: KubeConfig, ns: string): Promise<void> {
  const apps = kc.makeApiClient(AppsV1Api);
  await waitFor(
    'controller Deployment and speaker DaemonSet to roll out on kwok nodes',
    async () => {
      const deployment = await apps.readNamespacedDeployment({ name: 'controller', namespace: ns });
      const daemonSet = await apps.readNamespacedDaemonSet({ name: 'speaker', namespace: ns });
      const ds = daemonSetRolloutStatus(daemonSet);
      return (
        deploymentRolloutStatus(deployment).phase === 'done' &&
        ds.phase === 'done' &&
        (daemonSet.status?.desiredNumberScheduled ?? 0) > 0
      );
    },
    { timeoutMs: 120_000 },
  );
}

/** A freshly created CRD answers 429 "storage is (re)initializing" for a moment; wait it out. */
async function waitMetallbCrdsServed(kc: KubeConfig, ns: string, crds: KubernetesObject[]): Promise<void> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const resources = crds.map((crd) => {
    const spec = (crd as { spec: { names: { plural: string }; versions: { name: string; storage: boolean }[] } }).spec;
    return { plural: spec.names.plural, version: spec.versions.find((v) => v.storage)?.name ?? 'v1beta1' };
  });
  await waitFor(
    'MetalLB custom resources to be served',
    async () => {
      for (const { plural, version } of resources) {
        await custom.listNamespacedCustomObject({ group: 'metallb.io', version, namespace: ns, plural });
      }
      return true;
    },
    { timeoutMs: 60_000 },
  );
}

/** Starts whatever is not running yet; safe to call again. Returns the lab's record. */
export async function labUp(options: LabOptions = {}, log: Log = defaultLog): Promise<LabRecord> {
  const config = labConfig(options);
  const metallb = metallbComponentFor(config.metallbVersion);
  const bins = await ensureBuilt(['etcd', 'kubernetes', 'kwok', 'temporal', 'alertmanager', metallb.name], log);
  mkdirSync(config.stateDir, { recursive: true });
  const pki = ensurePki(config.stateDir);
  const specs = daemonSpecs(config, bins, pki);
  const apiServer = apiServerUrl(config);

  startDaemon(config.stateDir, specs.etcd);
  await waitHealthy('etcd', `http://${config.host}:${config.ports.etcdClient}/health`);
  startDaemon(config.stateDir, specs.apiServer);
  await waitHealthy('kube-apiserver', `${apiServer}/readyz`, 120_000);
  writeKubeconfig(config.kubeconfig, apiServer, pki);
  const kc = labKubeConfig(config.kubeconfig);
  await applyObjects(
    kc,
    readManifestDir(path.join(bins.get('kwok')!.dir, 'kustomize', 'crd', 'bases')).filter(
      (o) => o.kind === 'CustomResourceDefinition' && o.metadata?.name === 'logs.kwok.x-k8s.io',
    ),
  );
  for (const spec of [specs.controllerManager, specs.scheduler, specs.kwok]) startDaemon(config.stateDir, spec);
  await applyObjects(
    kc,
    Array.from({ length: config.nodeCount }, (_, i) => fakeNode(i)),
  );

  startDaemon(config.stateDir, temporalSpec(config, bins));
  startDaemon(config.stateDir, alertmanagerSpec(config, bins.get('alertmanager')!));

  const metallbBuild = bins.get(metallb.name)!;
  const metallbCrds = readManifestDir(path.join(metallbBuild.dir, 'crds'));
  await applyObjects(kc, [namespace(config.namespace), ...metallbCrds]);
  await applyObjects(kc, [
    controllerDeployment(config.namespace, metallbBuild.version),
    speakerDaemonSet(config.namespace, metallbBuild.version),
  ]);

  const webhook = prepareWebhook(config, metallbBuild);
  const record: LabRecord = {
    name: config.name,
    stateDir: config.stateDir,
    kubeconfig: config.kubeconfig,
    apiServer,
    namespace: config.namespace,
    temporalAddress: temporalAddress(config),
    temporalUi: temporalUiUrl(config),
    temporalNamespace: 'default',
    metallbVersion: metallbBuild.version,
    metallbBinary: metallbBuild.binary('metallb-controller'),
    metallbArgs: metallbArgs(config, metallbBuild.version),
    metallbHealthUrl: isLegacyMetallb(metallbBuild.version)
      ? null
      : `http://${config.host}:${config.ports.metallbHealth}/readyz`,
    metallbEnv: { TMPDIR: path.join(config.stateDir, 'controller-tmp') },
    metallbIsolation: controllerIsolation(config, webhook !== null),
    webhook,
    kubernetesVersion: bins.get('kubernetes')!.version,
    auditLog: writeAuditPolicy(config.stateDir).logFile,
    alertmanagerUrl: alertmanagerUrl(config),
    nodes: Array.from({ length: config.nodeCount }, (_, i) => fakeNode(i).metadata!.name!),
  };
  await switchMetallbIfChanged(config.stateDir, record);
  writeLabRecord(record);

  await waitRolledOut(kc, config.namespace);
  await waitMetallbCrdsServed(kc, config.namespace, metallbCrds);
  startDaemon(config.stateDir, {
    name: 'metallb-supervisor',
    command: process.execPath,
    args: [...supervisorArgs, config.stateDir],
    cwd: fileURLToPath(new URL(runningCompiled ? '../..' : '..', import.meta.url)),
  });
  await waitFor(
    'the MetalLB controller process to run',
    () => {
      const state = readControllerState(config.stateDir);
      return state?.running && state.pid ? state : undefined;
    },
    { timeoutMs: 60_000 },
  );
  if (record.metallbHealthUrl) await waitHealthy('MetalLB controller /readyz', record.metallbHealthUrl, 60_000);
  // On by default, as in every MetalLB install; `up` turns it back on after `lab webhook off`.
  if (record.webhook) await setLabWebhook(labWebhook(record), true);
  else {
    // A configuration left by this lab's v0.16 run would point the API server at a webhook nobody serves.
    await setLabWebhook(labWebhook(record), false);
    log(`MetalLB ${record.metallbVersion}: the lab serves no validating webhook for this version`);
  }
  await waitTemporal(record.temporalAddress);
  await setLabRetention(record.temporalAddress, record.temporalNamespace);
  await waitHealthy('Alertmanager', `${alertmanagerUrl(config)}/-/ready`);
  return record;
}

/** Switching MetalLB versions (or how the controller runs) restarts the supervisor so the new setup takes over. */
async function switchMetallbIfChanged(stateDir: string, next: LabRecord): Promise<void> {
  if (!existsSync(path.join(stateDir, 'lab.json'))) return;
  const previous = readLabRecord(stateDir);
  const howItRuns = (record: LabRecord) =>
    JSON.stringify([record.metallbBinary, record.metallbArgs, record.metallbEnv, record.metallbIsolation]);
  if (howItRuns(previous) !== howItRuns(next)) await stopDaemon(stateDir, 'metallb-supervisor');
}

export interface DownOptions {
  name?: string;
  wipe?: boolean;
}

/** Stops every process the lab started, by recorded PID; `wipe` also deletes its state. */
export async function labDown(options: DownOptions = {}, log: Log = defaultLog): Promise<string[]> {
  const config = labConfig({ ...(options.name ? { name: options.name } : {}) });
  const stopped: string[] = [];
  // Supervisor first (it stops the controller process), then Temporal, then the control plane in reverse.
  const order = [...labProcesses].reverse();
  const known = listDaemons(config.stateDir).map((d) => d.name);
  for (const name of [...order, ...known.filter((n) => !order.includes(n))]) {
    if (runningDaemon(config.stateDir, name)) stopped.push(name);
    await stopDaemon(config.stateDir, name);
  }
  const controller = readControllerState(config.stateDir);
  if (controller?.pid) await stopPid(controller.pid);
  if (options.wipe) rmSync(config.stateDir, { recursive: true, force: true });
  log(stopped.length ? `stopped ${stopped.join(', ')}` : 'nothing was running');
  if (options.wipe) log(`wiped ${config.stateDir}`);
  return stopped;
}

/** `export` lines for eval: point kubectl and the CLI at this lab. */
export function labEnv(record: LabRecord): string[] {
  return [
    `export KUBECONFIG=${record.kubeconfig}`,
    `export TEMPORAL_ADDRESS=${record.temporalAddress}`,
    `export TEMPORAL_NAMESPACE=${record.temporalNamespace}`,
    `export METALLB_LAB=${record.name}`,
    // `fix` links each run to the Web UI when this is set.
    `export TEMPORAL_UI_URL=${record.temporalUi}`,
    ...(record.alertmanagerUrl ? [`export ALERTMANAGER_URL=${record.alertmanagerUrl}`] : []),
  ];
}
