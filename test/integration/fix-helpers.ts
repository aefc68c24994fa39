// Shared by the fix-*.test.ts files: the lab as a cluster named after its kube context, workers
// (in-process or as the CLI child process), running runbooks, and reading back what changed.
import { changeWorkflowId } from '../../domain/runbooks/names.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { WorkflowFailedError, type Client, type Connection, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { WorkflowBundle } from '@temporalio/worker';
import { readCluster } from '../../kube/read-cluster.js';
import { diagnose } from '../../domain/diagnose/index.js';
import { snapshotFromObjects } from '../../domain/snapshot.js';
import { buildPoolIndex, parsePoolAddresses } from '../../domain/addresses.js';
import type { RunbookName } from '../../domain/runbooks/names.js';
import type { RunbookProgress } from '../../domain/runbooks/progress.js';
import type { RunbookResult } from '../../domain/runbooks/types.js';
import { startRunbook } from '../../client/commands/fix-start.js';
import {
  bundleRunbookWorkflows,
  createWorker,
  type RunbookWorker,
  type RunbookWorkerOptions,
} from '../../worker/worker.js';
import { progressQuery } from '../../workflows/messages.js';
import {
  configPlurals,
  createLoadBalancer,
  eventually,
  ingressIps,
  lab,
  labClients,
  temporalClient,
  waitForIp,
} from './helpers.js';

export { deleteAllMetallbConfig, removeNamespace, waitForIp } from './helpers.js';

export const cluster = 'metallb-lab';

/**
 * Node arguments that run the CLI from its sources (tsx) against the lab: `command`, then the lab's
 * kubeconfig, context and Temporal address (a command that takes no cluster passes `cluster: false`).
 */
export function labCliArgs(command: string[], { cluster: withCluster = true } = {}): string[] {
  const record = lab();
  const target = withCluster ? ['--kubeconfig', record.kubeconfig, '--context', cluster] : [];
  return ['--import', 'tsx', 'client/main.ts', ...command, ...target, '--temporal-address', record.temporalAddress];
}
export const root = fileURLToPath(new URL('../..', import.meta.url));
const historiesDir = path.join(root, 'test/replay/histories');
const metallb = { group: 'metallb.io' };

export function labAccess() {
  return { kubeconfig: lab().kubeconfig, context: cluster };
}

/** The admin token in the lab's kubeconfig: it must never show up in a workflow history. */
export function labToken(): string {
  const config = parse(readFileSync(lab().kubeconfig, 'utf8')) as {
    users: { name: string; user: { token?: string } }[];
  };
  return config.users.find((u) => u.name === 'lab-admin')?.user.token ?? '';
}

export interface RunningWorker {
  worker: RunbookWorker;
  stop(): Promise<void>;
}

/** A worker in this process, for the lab's cluster (or the access given), running until stop(). */
export async function startWorker(
  workflowBundle: WorkflowBundle,
  options: Partial<Omit<RunbookWorkerOptions, 'workflowBundle' | 'temporal'>> = {},
): Promise<RunningWorker> {
  const record = lab();
  const worker = await createWorker({
    access: labAccess(),
    ...options,
    temporal: { address: record.temporalAddress, namespace: record.temporalNamespace },
    workflowBundle,
  });
  const running = worker.worker.run();
  return {
    worker,
    async stop() {
      worker.worker.shutdown();
      await running;
      await worker.connection.close();
    },
  };
}

/** `metallb-runbooks worker` as a child process (so a test can SIGKILL it); resolves once it polls. */
export async function spawnCliWorker(): Promise<ChildProcess> {
  const args = labCliArgs(['worker']);
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  await eventually(
    'the CLI worker to start polling',
    () =>
      output.includes('polling metallb-runbooks.')
        ? true
        : child.exitCode !== null
          ? Promise.reject(new Error(output))
          : undefined,
    { timeoutMs: 60_000 },
  );
  return child;
}

export function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

export async function start(
  client: Client,
  runbook: RunbookName,
  extra: Record<string, unknown> = {},
): Promise<WorkflowHandle> {
  return startRunbookAs(client, runbook, 'integration-test', extra);
}

export async function progressOf(handle: WorkflowHandle): Promise<RunbookProgress | undefined> {
  return handle.query(progressQuery).catch(() => undefined);
}

export async function waitForStep(
  handle: WorkflowHandle,
  stepId: string,
  status: 'running' | 'done' = 'done',
  timeoutMs = 60_000,
): Promise<RunbookProgress> {
  return eventually(
    `step ${stepId} to be ${status}`,
    async () => {
      const p = await progressOf(handle);
      return p?.steps.find((s) => s.id === stepId)?.status === status ? p : undefined;
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/** Writes the run's history to test/replay/histories/<name>.json when RECORD_HISTORIES=1. */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<string> {
  const json = historyToJSON(await handle.fetchHistory());
  if (process.env.RECORD_HISTORIES === '1') {
    mkdirSync(historiesDir, { recursive: true });
    writeFileSync(path.join(historiesDir, `${name}.json`), `${JSON.stringify(JSON.parse(json), null, 2)}\n`);
  }
  return json;
}

/** Step durations of a finished run, printed for the timing report. */
export function timings(progress: RunbookProgress): string {
  const ms = (s: RunbookProgress['steps'][number]) =>
    s.startedAt && s.endedAt ? Date.parse(s.endedAt) - Date.parse(s.startedAt) : 0;
  const ran = progress.steps.filter((s) => s.startedAt);
  const total = ran.length
    ? Date.parse(ran.at(-1)!.endedAt ?? ran.at(-1)!.startedAt!) - Date.parse(ran[0]!.startedAt!)
    : 0;
  return `${progress.runbook}: ${(total / 1000).toFixed(2)}s total; ${ran.map((s) => `${s.id} ${(ms(s) / 1000).toFixed(2)}s`).join(', ')}`;
}

export interface Finished {
  result?: RunbookResult;
  failure?: string;
  progress: RunbookProgress;
  history: string;
}

/** Waits for the run, keeps its final progress and its history (recorded as `name`). */
export async function finish(handle: WorkflowHandle, name: string): Promise<Finished> {
  let result: RunbookResult | undefined;
  let failure: string | undefined;
  try {
    result = (await handle.result()) as RunbookResult;
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    failure = error.cause?.message ?? error.message;
  }
  const progress = (await progressOf(handle))!;
  console.log(`[timing] ${timings(progress)}`);
  return { result, failure, progress, history: await recordHistory(handle, name) };
}

/** IPs of every LoadBalancer Service in the cluster, by "namespace/name" (namespaces being deleted left out). */
export async function allServiceIps(): Promise<Record<string, string[]>> {
  const { core } = labClients();
  const [list, namespaces] = await Promise.all([core.listServiceForAllNamespaces(), core.listNamespace()]);
  const leaving = new Set(
    namespaces.items.filter((n) => n.status?.phase === 'Terminating').map((n) => n.metadata!.name),
  );
  const entries = list.items
    .filter((s) => s.spec?.type === 'LoadBalancer' && !leaving.has(s.metadata!.namespace))
    .map((s) => [`${s.metadata!.namespace}/${s.metadata!.name}`, ingressIps(s)] as const);
  return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
}

export async function serviceIps(namespace: string, name: string): Promise<string[]> {
  return ingressIps(await labClients().core.readNamespacedService({ namespace, name }));
}

/** Every LoadBalancer Service IP lies in a current pool (addresses.ts), and diagnosis finds no orphan or unmet request. */
export async function expectClusterClean(): Promise<void> {
  const { kc, custom, namespace } = labClients();
  const pools = (await custom.listNamespacedCustomObject({
    ...metallb,
    version: 'v1beta1',
    namespace,
    plural: 'ipaddresspools',
  })) as { items: { metadata: { name: string }; spec: { addresses: string[] } }[] };
  const index = buildPoolIndex(
    pools.items.flatMap((p) => {
      const parsed = parsePoolAddresses(p.spec.addresses);
      return parsed.ok ? [{ name: p.metadata.name, intervals: parsed.value, avoidBuggyIPs: false }] : [];
    }),
  );
  const outside = Object.entries(await allServiceIps()).flatMap(([key, ips]) =>
    ips.filter((ip) => index.poolsContaining(ip).length === 0).map((ip) => `${key} ${ip}`),
  );
  if (outside.length) throw new Error(`Service IPs outside every pool: ${outside.join(', ')}`);
  const read = await readCluster(kc, { logSinceSeconds: 60 });
  const report = diagnose(
    snapshotFromObjects(read.objects, { collectedAt: new Date().toISOString(), source: 'cluster', logs: read.logs }),
  );
  const relevant = report.findings.filter(
    (f) => ['orphaned-ips', 'unmet-requests'].includes(f.check) && f.severity !== 'info',
  );
  if (relevant.length) throw new Error(`diagnosis is not clean: ${relevant.map((f) => f.title).join('; ')}`);
}

export async function createConfig(
  kind: string,
  name: string,
  spec: Record<string, unknown>,
  version = 'v1beta1',
): Promise<void> {
  const { custom, namespace } = labClients();
  const plural = kind === 'Community' ? 'communities' : `${kind.toLowerCase()}s`;
  await custom.createNamespacedCustomObject({
    ...metallb,
    version,
    namespace,
    plural,
    body: { apiVersion: `metallb.io/${version}`, kind, metadata: { name }, spec },
  });
}

/** Specs of every MetalLB config object, by "kind/name", to compare before and after. */
export async function configSpecs(): Promise<Record<string, { spec: unknown; uid: string }>> {
  const { custom, namespace } = labClients();
  const out: Record<string, { spec: unknown; uid: string }> = {};
  for (const [plural, version] of configPlurals) {
    const list = (await custom.listNamespacedCustomObject({ ...metallb, version, namespace, plural })) as {
      items: { metadata: { name: string; uid: string }; spec: unknown }[];
    };
    for (const item of list.items) out[`${plural}/${item.metadata.name}`] = { spec: item.spec, uid: item.metadata.uid };
  }
  return out;
}

export const peerPassword = 'never-in-history-7f3a';

/**
 * Every MetalLB config kind, two pools (one autoAssign off), a BGPPeer with a password Secret,
 * and Services: four filling pool a, one asking for its IP itself, one left pending (pool full).
 */
export async function buildFullConfig(ns: string): Promise<void> {
  const { core, namespace } = labClients();
  await core
    .createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'bgp-auth' },
        type: 'kubernetes.io/basic-auth',
        stringData: { password: peerPassword },
      },
    })
    .catch(() => undefined);
  await createConfig('Community', 'rc-comm', { communities: [{ name: 'no-export', value: '65535:65281' }] });
  await createConfig('BFDProfile', 'rc-bfd', { receiveInterval: 300, transmitInterval: 300 });
  await createConfig('IPAddressPool', 'rp-a', { addresses: ['192.0.2.0/30'] });
  await createConfig('IPAddressPool', 'rp-b', { addresses: ['198.51.100.0/28'], autoAssign: false });
  await createConfig(
    'BGPPeer',
    'rc-peer',
    {
      myASN: 64512,
      peerASN: 64513,
      peerAddress: '192.0.2.253',
      bfdProfile: 'rc-bfd',
      passwordSecret: { name: 'bgp-auth', namespace },
    },
    'v1beta2',
  );
  await createConfig('L2Advertisement', 'rc-l2', { ipAddressPools: ['rp-a'] });
  await createConfig('BGPAdvertisement', 'rc-bgp', {
    ipAddressPools: ['rp-b'],
    communities: ['no-export'],
    peers: ['rc-peer'],
  });
  await createNamespaceIfMissing(ns);
  for (const name of ['s1', 's2', 's3', 's4']) {
    await createLoadBalancer(ns, name);
    await waitForIp(ns, name);
  }
  await createLoadBalancer(ns, 'requested', {
    spec: {
      type: 'LoadBalancer',
      loadBalancerIP: '198.51.100.5',
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    },
  });
  await waitForIp(ns, 'requested');
  await createLoadBalancer(ns, 'waiting');
}

async function createNamespaceIfMissing(name: string): Promise<void> {
  await labClients()
    .core.createNamespace({ body: { metadata: { name } } })
    .catch(() => undefined);
}

/** Annotations this tool may have left on the Services of a namespace (there must be none). */
export async function leftoverPins(ns: string): Promise<string[]> {
  const list = await labClients().core.listNamespacedService({ namespace: ns });
  return list.items.flatMap((s) =>
    Object.keys(s.metadata?.annotations ?? {})
      .filter((k) => k === 'metallb.io/loadBalancerIPs' || k.startsWith('metallb-runbooks/'))
      .map((k) => `${s.metadata!.name}: ${k}`),
  );
}

export async function startRunbookAs(
  client: Client,
  runbook: RunbookName,
  requestedBy: string,
  extra: Record<string, unknown> = {},
): Promise<WorkflowHandle> {
  const started = await startRunbook(client, { runbook, input: { cluster, requestedBy, ...extra } });
  // Bound to this run: a handle by id alone follows whichever run of the id is the latest.
  return client.workflow.getHandle(started.workflowId, started.firstExecutionRunId);
}

/** The worker and Temporal client a fix-* test file drives its runbooks with. */
export interface RunbookSession {
  worker: RunningWorker;
  client: Client;
  connection: Connection;
}

export async function openRunbookSession(): Promise<RunbookSession> {
  const worker = await startWorker(await bundleRunbookWorkflows());
  const { client, connection } = await temporalClient();
  return { worker, client, connection };
}

/**
 * Stops the file's worker. A change run its tests left open (a failed test) is terminated first, so one
 * failure cannot hold the cluster's change slot and fail every file after it.
 */
export async function closeRunbookSession(session: Partial<RunbookSession>): Promise<void> {
  if (session.client) await terminateOpenChange(session.client);
  await session.worker?.stop();
  await session.connection?.close();
}

async function terminateOpenChange(client: Client): Promise<void> {
  const handle = client.workflow.getHandle(changeWorkflowId(cluster));
  const status = await handle.describe().then(
    (description) => description.status.name,
    () => 'NONE',
  );
  if (status === 'RUNNING') await handle.terminate('the test file ended with this run still open');
}

const stateParams = () => ({
  group: 'metallb.io',
  version: 'v1beta1',
  namespace: labClients().namespace,
  plural: 'configurationstates',
});

/** A speaker state no restart clears: restart-speakers waits on it until the test removes it. */
export async function holdSpeakerVerification(): Promise<void> {
  const { custom } = labClients();
  await custom.createNamespacedCustomObject({
    ...stateParams(),
    body: {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'ConfigurationState',
      metadata: { name: 'speaker-hold', labels: { 'metallb.io/component-type': 'speaker' } },
    },
  });
  await custom.patchNamespacedCustomObjectStatus(
    {
      ...stateParams(),
      name: 'speaker-hold',
      body: { status: { result: 'Invalid', errorSummary: 'held by the test' } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/** Removes the hold; restart-speakers' verification can then pass. */
export const releaseSpeakerVerification = () =>
  labClients()
    .custom.deleteNamespacedCustomObject({ ...stateParams(), name: 'speaker-hold' })
    .catch(() => undefined);
