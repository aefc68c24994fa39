// Benchmark (npm run bench:watcher): the config watch's CPU and memory with 1,000 MetalLB config objects
// (IPAddressPools in the benchmarking range 198.18.0.0/15, autoAssign off) changing for a minute, in two loads:
//  1. one spec change a second, round-robin over the 1,000 objects (each object changes every ~17 minutes);
//  2. every object changing once a second (1,000 changes a second asked; the lab's rate is printed).
// The watch runs alone in a child process (test/bench/watcher-child.ts) with its own audit directory, so the
// figures are the watch's: CPU time over wall time, peak RSS and heap, and how far it lagged behind.
// Asserts nothing. METALLB_LAB names the lab (default "bench", started if needed and kept).
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { labUp, labWebhook } from '../../lab/lab.js';
import { setLabWebhook } from '../../lab/webhook.js';
import { labKubeConfig } from '../../lab/kube.js';

const OBJECTS = 1_000;
const PHASE_MS = 60_000;
const CONCURRENCY = 32;
const LABEL = 'metallb-runbooks.bench/watcher';
const GROUP = { group: 'metallb.io', version: 'v1beta1', plural: 'ipaddresspools' };
const here = path.dirname(fileURLToPath(import.meta.url));
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

interface Sample {
  cpu: NodeJS.CpuUsage;
  memory: NodeJS.MemoryUsage;
  recorded: number;
  at: number;
}

/** The n-th /26 of 198.18.0.0/15 (2,048 of them). */
function block(index: number, variant: number): string {
  const base = index * 64 + (variant % 2) * 32;
  return `198.${18 + Math.floor(base / 65_536)}.${Math.floor(base / 256) % 256}.${base % 256}/${variant % 2 ? 27 : 26}`;
}

async function inBatches(count: number, work: (index: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < count; start += CONCURRENCY)
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count - start) }, (_, i) => work(start + i)));
}

function startChild(kubeconfig: string, directory: string) {
  const child = fork(path.join(here, 'watcher-child.ts'), [kubeconfig, directory, `bench-${process.pid}`], {
    execArgv: ['--import', 'tsx'],
  });
  const waiting: ((sample: Sample) => void)[] = [];
  let ready: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (ready = resolve));
  child.on('message', (message: { log?: string; ready?: boolean; sample?: Sample }) => {
    if (message.log && !/ recorded as #/.test(message.log)) console.log(`  [watch] ${message.log}`);
    if (message.ready) ready();
    if (message.sample) waiting.shift()?.(message.sample);
  });
  return {
    started,
    sample: () =>
      new Promise<Sample>((resolve) => {
        waiting.push(resolve);
        child.send('sample');
      }),
    stop: () => new Promise<void>((resolve) => child.once('exit', () => resolve()).send('stop')),
  };
}

type Watcher = ReturnType<typeof startChild>;

/** Runs `load` for a minute while sampling the watch every second; prints the figures. */
async function phase(title: string, watcher: Watcher, load: (deadline: number) => Promise<number>): Promise<void> {
  const first = await watcher.sample();
  let peakRss = first.memory.rss;
  let peakHeap = first.memory.heapUsed;
  const sampler = setInterval(() => {
    void watcher.sample().then((sample) => {
      peakRss = Math.max(peakRss, sample.memory.rss);
      peakHeap = Math.max(peakHeap, sample.memory.heapUsed);
    });
  }, 1000);
  const changes = await load(Date.now() + PHASE_MS);
  const atEnd = await watcher.sample();
  clearInterval(sampler);
  const caughtUp = Date.now();
  let last = atEnd;
  while (last.recorded - first.recorded < changes && Date.now() - caughtUp < 120_000) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    last = await watcher.sample();
  }
  printPhase({ title, changes, first, atEnd, last, peakRss, peakHeap });
}

interface PhaseFigures {
  title: string;
  changes: number;
  first: Sample;
  atEnd: Sample;
  last: Sample;
  peakRss: number;
  peakHeap: number;
}

const cpuMs = (sample: Sample) => (sample.cpu.user + sample.cpu.system) / 1000;
const mib = (bytes: number) => (bytes / 1_048_576).toFixed(1);
const seconds = (ms: number) => (ms / 1000).toFixed(1);
const percent = (cpu: number, wall: number) => ((100 * cpu) / wall).toFixed(1);

function printPhase({ title, changes, first, atEnd, last, peakRss, peakHeap }: PhaseFigures): void {
  const wall = atEnd.at - first.at;
  const cpu = cpuMs(atEnd) - cpuMs(first);
  console.log(`\n${title}`);
  console.log(`  changes made: ${changes} in ${seconds(wall)}s (${((changes * 1000) / wall).toFixed(1)}/s)`);
  console.log(
    `  recorded during the minute: ${atEnd.recorded - first.recorded}; ` +
      `after catching up: ${last.recorded - first.recorded} (${seconds(last.at - atEnd.at)}s after the load stopped)`,
  );
  console.log(
    `  watch CPU: ${cpu.toFixed(0)} ms over ${seconds(wall)}s = ${percent(cpu, wall)}% of one core ` +
      `(with the catch-up: ${percent(cpuMs(last) - cpuMs(first), last.at - first.at)}%)`,
  );
  console.log(
    `  watch memory: RSS ${mib(first.memory.rss)} -> peak ${mib(peakRss)} MiB; ` +
      `heap ${mib(first.memory.heapUsed)} -> peak ${mib(peakHeap)} MiB`,
  );
}

async function main(): Promise<void> {
  const record = await labUp({ name: process.env['METALLB_LAB'] ?? 'bench' }, () => undefined);
  const custom = labKubeConfig(record.kubeconfig).makeApiClient(CustomObjectsApi);
  const namespace = record.namespace;
  const cleanUp = () => custom.deleteCollectionNamespacedCustomObject({ ...GROUP, namespace, labelSelector: LABEL });
  // MetalLB's webhook checks each pool against every other one: with 1,000 it times out under this load, and it
  // is not what is measured. Off for the run, on again after.
  await setLabWebhook(labWebhook(record), false);
  try {
    await measure(custom, namespace, record.kubeconfig);
  } finally {
    await cleanUp();
    await setLabWebhook(labWebhook(record), true);
  }
}

async function measure(custom: CustomObjectsApi, namespace: string, kubeconfig: string): Promise<void> {
  const name = (index: number) => `bench-watch-${index}`;
  await custom.deleteCollectionNamespacedCustomObject({ ...GROUP, namespace, labelSelector: LABEL });
  const created = Date.now();
  await inBatches(OBJECTS, (index) =>
    custom.createNamespacedCustomObject({
      ...GROUP,
      namespace,
      body: {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'IPAddressPool',
        metadata: { name: name(index), labels: { [LABEL]: 'true' } },
        spec: { addresses: [block(index, 0)], autoAssign: false },
      },
    }),
  );
  console.log(`${OBJECTS} IPAddressPools created in ${((Date.now() - created) / 1000).toFixed(1)}s`);
  const directory = mkdtempSync(path.join(os.tmpdir(), 'bench-watch-'));
  const watcher = startChild(kubeconfig, directory);
  await watcher.started;
  // Each patch flips the object between its /26 and /27, so every one is a real spec change (a no-op is none).
  const variants = new Array<number>(OBJECTS).fill(0);
  const patch = (index: number) => {
    variants[index] = 1 - variants[index]!;
    const body = { spec: { addresses: [block(index, variants[index])] } };
    return custom.patchNamespacedCustomObject({ ...GROUP, namespace, name: name(index), body }, mergePatch);
  };
  try {
    await phase('1. one spec change a second over 1,000 objects (round-robin)', watcher, async (deadline) => {
      let changes = 0;
      for (let tick = Date.now(); Date.now() < deadline; tick += 1000) {
        await patch(changes % OBJECTS);
        changes++;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, tick + 1000 - Date.now())));
      }
      return changes;
    });
    await phase(
      '2. every one of the 1,000 objects changing once a second (as fast as the lab takes)',
      watcher,
      async (deadline) => {
        let changes = 0;
        while (Date.now() < deadline) {
          const started = Date.now();
          await inBatches(OBJECTS, (index) => patch(index));
          changes += OBJECTS;
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + 1000 - Date.now())));
        }
        return changes;
      },
    );
    const log = statSync(path.join(directory, 'audit.jsonl')).size;
    console.log(`\naudit log written by the watch: ${(log / 1_048_576).toFixed(1)} MiB`);
  } finally {
    await watcher.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

await main();
