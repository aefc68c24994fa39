/**
 * Plays the kubelet for MetalLB's controller: whichever controller pod is the newest ready one
 * gets a real `controller` process started with its pod name, the previous process is stopped,
 * and every line the process prints goes to that pod's CRI log file, which kwok serves to
 * `kubectl logs`. Speaker pods get (empty) log files too, so their logs are readable.
 *
 * Run by the lab as a detached process: `node --import tsx lab/supervisor.ts <state dir>`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubernetesObjectApi, type V1Pod } from '@kubernetes/client-node';
import { applyObjects, labKubeConfig } from './kube.js';
import { podLogs } from './manifests.js';
import { delay } from './processes.js';
import { startForwards } from './bridge.js';
import type { NetnsLaunch } from './netns-controller.js';
import { podNamePlaceholder, readLabRecord, type ControllerIsolation, type LabRecord } from './record.js';

interface RunningController {
  podName: string;
  /** What the supervisor spawned: the controller itself, or `unshare` running lab/netns-controller.ts. */
  child: ChildProcess;
  /** The real controller process (the one tests signal); known once the namespace side reports it. */
  pid: number | undefined;
  startedAt: string;
  exited: boolean;
}

const stateDir = process.argv[2] ?? '';
if (!stateDir) {
  console.error('usage: supervisor.ts <lab state dir>');
  process.exit(2);
}
const lab: LabRecord = readLabRecord(stateDir);
const kc = labKubeConfig(lab.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const objects = KubernetesObjectApi.makeApiClient(kc);
const podLogDir = path.join(stateDir, 'pod-logs');
mkdirSync(podLogDir, { recursive: true });

let current: RunningController | undefined;
let restarts = 0;
let stopping = false;
const knownLogObjects = new Set<string>();

const logFileFor = (pod: string) => path.join(podLogDir, `${pod}.log`);

function isReady(pod: V1Pod): boolean {
  return (
    !pod.metadata?.deletionTimestamp &&
    pod.status?.phase === 'Running' &&
    (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

function newestReadyController(pods: V1Pod[]): V1Pod | undefined {
  return pods
    .filter((p) => p.metadata?.labels?.component === 'controller' && isReady(p))
    .sort((a, b) =>
      String(b.metadata?.creationTimestamp ?? '').localeCompare(String(a.metadata?.creationTimestamp ?? '')),
    )[0];
}

/** One CRI line per output line: `<RFC3339Nano> <stream> F <line>`, what kwok's log reader parses. */
function pipeToCriLog(stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr', file: string): void {
  createInterface({ input: stream }).on('line', (line) => {
    appendFileSync(file, `${new Date().toISOString()} ${name} F ${line}\n`);
  });
}

/** Node arguments to run a sibling lab script: compiled (dist/lab/*.js) directly, from sources through tsx. */
function nodeScript(name: string): string[] {
  const compiled = import.meta.url.endsWith('.js');
  const script = fileURLToPath(new URL(`./${name}.${compiled ? 'js' : 'ts'}`, import.meta.url));
  return compiled ? [script] : ['--import', 'tsx', script];
}

/** Spawns the controller: in its own user + network namespace when the lab records one, else on the host. */
function spawnController(args: string[], isolation: ControllerIsolation | null): ChildProcess {
  const env = { ...process.env, ...lab.metallbEnv, KUBECONFIG: lab.kubeconfig, METALLB_NAMESPACE: lab.namespace };
  if (!isolation) return spawn(lab.metallbBinary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const launch: NetnsLaunch = {
    forwards: isolation.namespaceForwards,
    command: lab.metallbBinary,
    args,
    env: { ...lab.metallbEnv, KUBECONFIG: lab.kubeconfig, METALLB_NAMESPACE: lab.namespace },
  };
  return spawn('unshare', ['-rn', process.execPath, ...nodeScript('netns-controller'), JSON.stringify(launch)], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: process.env,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
}

/** Reads the namespace side's fd-3 reports: the real controller's pid, its exit, setup errors. */
function followNamespaceReports(running: RunningController): void {
  const reports = running.child.stdio[3] as NodeJS.ReadableStream | null | undefined;
  if (!reports) return;
  createInterface({ input: reports }).on('line', (line) => {
    const report = JSON.parse(line) as {
      event: string;
      pid?: number;
      code?: number;
      signal?: string;
      message?: string;
    };
    if (report.event === 'started') running.pid = report.pid;
    if (report.event === 'started') writeState();
    if (report.event === 'exited') console.log(`controller pid ${running.pid} exited: ${report.signal ?? report.code}`);
    if (report.event === 'error') console.error(`controller namespace for ${running.podName}: ${report.message}`);
  });
}

function startController(podName: string): RunningController {
  const file = logFileFor(podName);
  const args = lab.metallbArgs.map((arg) => arg.replace(podNamePlaceholder, podName));
  const child = spawnController(args, lab.metallbIsolation);
  pipeToCriLog(child.stdout!, 'stdout', file);
  pipeToCriLog(child.stderr!, 'stderr', file);
  const running: RunningController = {
    podName,
    child,
    pid: lab.metallbIsolation ? undefined : child.pid,
    startedAt: new Date().toISOString(),
    exited: false,
  };
  followNamespaceReports(running);
  child.on('exit', (code, signal) => {
    running.exited = true;
    console.log(`controller for ${podName} (spawned pid ${child.pid}) exited: ${signal ?? code}`);
  });
  console.log(`started controller (spawned pid ${child.pid}) as pod ${podName}`);
  return running;
}

function signalPid(pid: number | undefined, signal: NodeJS.Signals): void {
  try {
    if (pid) process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

async function waitExited(running: RunningController, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!running.exited && Date.now() < deadline) await delay(50);
  return running.exited;
}

/** SIGTERM to the real controller (its namespace side exits with it), SIGKILL after 10 s, as the kubelet would. */
async function stopController(running: RunningController): Promise<void> {
  const controllerPid = running.pid ?? running.child.pid;
  if (!running.exited) signalPid(controllerPid, 'SIGTERM');
  if (await waitExited(running, 10_000)) return;
  signalPid(controllerPid, 'SIGKILL');
  if (await waitExited(running, 5_000)) return;
  running.child.kill('SIGKILL');
  await waitExited(running, 60_000);
}

function writeState(): void {
  const state = current
    ? {
        pid: current.pid ?? null,
        podName: current.podName,
        startedAt: current.startedAt,
        logFile: logFileFor(current.podName),
        restarts,
        running: !current.exited && current.pid !== undefined,
      }
    : { pid: null, podName: null, startedAt: null, logFile: null, restarts, running: false };
  // Written whole then renamed: tests and `lab status` read it at any moment.
  const file = path.join(stateDir, 'controller.json');
  writeFileSync(`${file}.tmp`, JSON.stringify({ ...state, supervisorPid: process.pid }, null, 2));
  renameSync(`${file}.tmp`, file);
}

/** Every MetalLB pod gets a kwok Logs object pointing at its file, created once. */
async function ensureLogObjects(pods: V1Pod[]): Promise<void> {
  for (const pod of pods) {
    const name = pod.metadata?.name;
    const component = pod.metadata?.labels?.component;
    if (!name || !component || knownLogObjects.has(name)) continue;
    const file = logFileFor(name);
    if (!existsSync(file)) writeFileSync(file, '');
    await applyObjects(kc, [podLogs(lab.namespace, name, component, file)]);
    knownLogObjects.add(name);
  }
  await removeStaleLogObjects(new Set(pods.map((p) => p.metadata?.name)));
}

/** The Logs objects of pods that are gone. */
async function removeStaleLogObjects(live: ReadonlySet<string | undefined>): Promise<void> {
  for (const name of [...knownLogObjects].filter((known) => !live.has(known))) {
    knownLogObjects.delete(name);
    await objects
      .delete({ apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'Logs', metadata: { name, namespace: lab.namespace } })
      .catch(() => undefined);
  }
}

/** Like the kubelet: the running controller stops once its pod is replaced or deleted. */
async function stopReplacedController(pods: V1Pod[], desired: string | undefined): Promise<void> {
  if (!current || current.podName === desired) return;
  const pod = pods.find((p) => p.metadata?.name === current?.podName);
  if (!pod || pod.metadata?.deletionTimestamp || desired) {
    await stopController(current);
    current = undefined;
  }
}

async function reconcile(): Promise<void> {
  const pods = (await core.listNamespacedPod({ namespace: lab.namespace, labelSelector: 'app=metallb' })).items;
  await ensureLogObjects(pods);
  const desired = newestReadyController(pods)?.metadata?.name;
  await stopReplacedController(pods, desired);
  if (current?.exited) {
    restarts += 1;
    await delay(Math.min(10_000, 500 * 2 ** Math.min(restarts, 5)));
    current = undefined;
  }
  if (!current && desired) current = startController(desired);
  writeState();
}

async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (current) await stopController(current);
  current = undefined;
  writeState();
  process.exit(0);
}

process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());

/** The host ends of the namespace's forwards; retried while a previous controller still holds a port. */
async function startHostForwards(isolation: ControllerIsolation): Promise<void> {
  mkdirSync(isolation.socketDir, { recursive: true, mode: 0o700 });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await startForwards(isolation.hostForwards);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await delay(500);
    }
  }
}

if (lab.metallbIsolation) await startHostForwards(lab.metallbIsolation);

for (;;) {
  if (stopping) break;
  try {
    await reconcile();
  } catch (error) {
    console.error(`reconcile failed: ${(error as Error).message}`);
  }
  await delay(200);
}
