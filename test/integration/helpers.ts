import { inject } from 'vitest';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type CoreV1Event,
  type V1Service,
} from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Connection, Client } from '@temporalio/client';
import { readControllerState, type LabRecord } from '../../lab/record.js';
import { mergePatch } from '../../kube/apis.js';
import { deploymentRolloutStatus, restartPatch } from '../../domain/rollout.js';
import { labUp, labWebhook } from '../../lab/lab.js';
import { isAlive, runningDaemon } from '../../lab/processes.js';
import { labWebhookPresent, probeWebhook, setLabWebhook } from '../../lab/webhook.js';

export function lab(): LabRecord {
  return inject('lab');
}

export function labClients(context?: string) {
  const record = lab();
  const kc = new KubeConfig();
  kc.loadFromFile(record.kubeconfig);
  if (context) kc.setCurrentContext(context);
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    namespace: record.namespace,
  };
}

export async function temporalClient(): Promise<{ client: Client; connection: Connection }> {
  const record = lab();
  const connection = await Connection.connect({ address: record.temporalAddress });
  return { connection, client: new Client({ connection, namespace: record.temporalNamespace }) };
}

export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

/** Polls `check` until it yields a value; on timeout the error says what was expected and last seen. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 20_000, intervalMs = 200 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const metallbGroup = { group: 'metallb.io', version: 'v1beta1' };

export async function createPool(name: string, addresses: string[], extra: Record<string, unknown> = {}) {
  const { custom, namespace } = labClients();
  return custom.createNamespacedCustomObject({
    ...metallbGroup,
    namespace,
    plural: 'ipaddresspools',
    body: {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: { name },
      spec: { addresses, ...extra },
    },
  });
}

export async function createL2Advertisement(name: string, pools: string[]) {
  const { custom, namespace } = labClients();
  return custom.createNamespacedCustomObject({
    ...metallbGroup,
    namespace,
    plural: 'l2advertisements',
    body: {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'L2Advertisement',
      metadata: { name },
      spec: { ipAddressPools: pools },
    },
  });
}

/** MetalLB's config kinds with the version to read them at, advertisements first (deletion order). */
export const configPlurals = [
  ['bgpadvertisements', 'v1beta1'],
  ['l2advertisements', 'v1beta1'],
  ['bgppeers', 'v1beta2'],
  ['ipaddresspools', 'v1beta1'],
  ['bfdprofiles', 'v1beta1'],
  ['communities', 'v1beta1'],
] as const;

/**
 * Deletes every MetalLB config object, advertisements first, so each test starts from nothing.
 * Retried: right after CRDs are (re)applied their storage answers 429 for a moment.
 */
export async function deleteAllMetallbConfig(): Promise<void> {
  const { custom, namespace } = labClients();
  await eventually(
    'MetalLB config to be deleted',
    async () => {
      let left = 0;
      for (const [plural, version] of configPlurals) {
        const list = (await custom.listNamespacedCustomObject({ group: 'metallb.io', version, namespace, plural })) as {
          items: { metadata: { name: string } }[];
        };
        left += list.items.length;
        for (const item of list.items) {
          await custom
            .deleteNamespacedCustomObject({ group: 'metallb.io', version, namespace, plural, name: item.metadata.name })
            .catch(() => undefined);
        }
      }
      return left === 0 || undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}

export async function waitForIp(namespace: string, name: string, timeoutMs = 20_000): Promise<string[]> {
  return eventually(
    `an IP on ${namespace}/${name}`,
    async () => {
      const ips = ingressIps(await labClients().core.readNamespacedService({ namespace, name }));
      return ips.length ? ips : undefined;
    },
    { timeoutMs },
  );
}

/** The HTTP status of a failed @kubernetes/client-node call (its ApiException `code`), if any. */
export function httpStatusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Only a 404 means an object is gone; a 403, a 500 or a dropped connection says nothing about it. */
export const isGone = (error: unknown): boolean => httpStatusOf(error) === 404;

/** What removeNamespace needs of the Core API (a unit test passes a stub). */
export type NamespaceApi = Pick<CoreV1Api, 'deleteNamespace' | 'readNamespace'>;

/**
 * Deletes a test namespace and waits until the API server answers 404 for it, so its Services
 * cannot leak into the next test's checks. A delete that fails other than with 404 is rethrown;
 * a read that fails other than with 404 is retried until the deadline, then reported.
 */
export async function removeNamespace(
  name: string,
  core: NamespaceApi = labClients().core,
  { timeoutMs = 120_000, intervalMs = 250 } = {},
): Promise<void> {
  try {
    await core.deleteNamespace({ name });
  } catch (error) {
    if (!isGone(error)) throw error;
  }
  await eventually(
    `namespace ${name} to be gone`,
    async () => {
      try {
        await core.readNamespace({ name });
        return undefined;
      } catch (error) {
        if (isGone(error)) return true;
        throw error;
      }
    },
    { timeoutMs, intervalMs },
  );
}

export async function createNamespace(name: string): Promise<void> {
  await labClients().core.createNamespace({ body: { metadata: { name } } });
}

export async function createLoadBalancer(namespace: string, name: string, extra: Partial<V1Service> = {}) {
  return labClients().core.createNamespacedService({
    namespace,
    body: {
      metadata: { name, ...(extra.metadata ?? {}) },
      spec: { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...(extra.spec ?? {}) },
    },
  });
}

export function ingressIps(service: V1Service): string[] {
  return (service.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
}

export async function serviceEvents(namespace: string, name: string): Promise<CoreV1Event[]> {
  const list = await labClients().core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.kind=Service,involvedObject.name=${name}`,
  });
  return list.items;
}

/** One pool announced by one L2Advertisement, on a lab cleared of other MetalLB config. */
export interface ServedPool {
  namespace: string;
  pool: string;
  addresses: string[];
  advertisement: string;
  /** LoadBalancer Services created in `namespace`, each waited for until it holds an IP. */
  services: string[];
}

/** The usual fixture: a clean config, one served pool, and Services that hold an IP from it. */
export async function createServedPool(fixture: ServedPool): Promise<void> {
  await deleteAllMetallbConfig();
  await createNamespace(fixture.namespace);
  await createPool(fixture.pool, fixture.addresses);
  await createL2Advertisement(fixture.advertisement, [fixture.pool]);
  for (const name of fixture.services) {
    await createLoadBalancer(fixture.namespace, name);
    await waitForIp(fixture.namespace, name);
  }
}

/**
 * `kubectl rollout restart deployment/controller` on the lab, waiting until the supervisor runs the new pod:
 * for a test that broke the controller's watches (deleted its CRDs, say) to hand the next test a fresh one.
 */
export async function restartLabController(): Promise<void> {
  const { apps, namespace } = labClients();
  const body = restartPatch(`test-${Date.now()}`);
  const patched = await apps.patchNamespacedDeployment({ name: 'controller', namespace, body }, mergePatch);
  const generation = patched.metadata?.generation ?? 0;
  await eventually(
    'the controller rollout to complete',
    async () => {
      const deployment = await apps.readNamespacedDeployment({ name: 'controller', namespace });
      const observed = (deployment.status?.observedGeneration ?? 0) >= generation;
      return observed && deploymentRolloutStatus(deployment).phase === 'done' ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
  const { items } = await labClients().core.listNamespacedPod({ namespace, labelSelector: 'component=controller' });
  const current = new Set(items.filter((pod) => !pod.metadata?.deletionTimestamp).map((pod) => pod.metadata?.name));
  await eventually(
    'the supervisor to run the controller as the new pod',
    () => {
      const state = readControllerState(lab().stateDir);
      return state?.running && current.has(state.podName ?? '') ? true : undefined;
    },
    { timeoutMs: 30_000 },
  );
  await waitWebhookServing();
}

/**
 * Switches the lab's MetalLB validating webhook on or off, waiting for the observed effect: on,
 * a server-side dry run of a pool outside MetalLB's namespace is denied (the webhook's
 * first check, which logs no error); off, the same dry run is allowed.
 */
export async function setWebhook(enabled: boolean): Promise<void> {
  const record = lab();
  if (enabled && !record.webhook) {
    throw new Error(`the lab "${record.name}" serves no MetalLB webhook (MetalLB ${record.metallbVersion})`);
  }
  await setLabWebhook(labWebhook(record), enabled);
}

/** Runs `fn` with the webhook off (for states the webhook forbids: overlaps, bare IPs) and switches it back on. */
export async function withWebhookOff<T>(fn: () => Promise<T>): Promise<T> {
  await setWebhook(false);
  try {
    return await fn();
  } finally {
    await setWebhook(true);
  }
}

/** When the webhook is on: waits until the (re)started controller answers it, so the next write is admitted. */
export async function waitWebhookServing(timeoutMs = 30_000): Promise<void> {
  const { kc, namespace } = labClients();
  if (!lab().webhook || !(await labWebhookPresent(kc))) return;
  await eventually(
    'the MetalLB webhook to answer (deny a pool outside its namespace)',
    async () => ((await probeWebhook(kc, namespace)) === 'denied' ? true : undefined),
    { timeoutMs, intervalMs: 100 },
  );
}

/** The state letter in /proc/<pid>/stat: "T" while SIGSTOPped. */
export function processState(pid: number): string {
  return readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /s, '')
    .charAt(0);
}

/** SIGSTOPs a process and waits until it is stopped: the signal lands asynchronously. */
export async function stopProcess(pid: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  await eventually(`process ${pid} to be stopped`, () => (processState(pid) === 'T' ? true : undefined));
}

/** A loopback port nothing listens on: bind one, then close it. */
export function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * SIGKILLs the lab's Temporal server, waits until it is gone and starts it again (labUp); returns the
 * seconds the restart took. Connections to the old server are the caller's to close and reopen.
 */
export async function killAndRestartTemporal(): Promise<number> {
  const server = runningDaemon(lab().stateDir, 'temporal')!;
  process.kill(server.pid, 'SIGKILL');
  await eventually('the Temporal server to be gone', () => (isAlive(server.pid) ? undefined : true));
  const restartedAt = Date.now();
  await labUp({ name: lab().name }, () => undefined);
  return (Date.now() - restartedAt) / 1000;
}
