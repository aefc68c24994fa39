// Live benchmark (npm run bench:diagnose-live): `metallb-runbooks diagnose -o json` against the
// popular runbook's three "Detecting Stale Configuration" checks run as kubectl commands, on a lab
// loaded with 1,000 LoadBalancer Services and 100 IPAddressPools (+ one L2Advertisement) in the
// benchmarking range 198.18.0.0/15. Prints wall time and peak RSS (median of RUNS) and the ratios;
// asserts nothing. Everything it creates carries BENCH_LABEL and is deleted at the end (and at the
// start, should an aborted run have left some). METALLB_LAB names a running lab; by default the
// lab "bench" is started if needed and kept for the next run (stop it: METALLB_LAB=bench npm run lab -- down).
// METALLB_BENCH_CLI=<bin/metallb-runbooks.js of a checkout>[,<another>] measures those CLIs, runs
// interleaved (before/after);
// METALLB_BENCH_KEEP_LOAD=1 leaves the load in place for a closer look (the next run removes it first).
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Service } from '@kubernetes/client-node';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { labUp } from '../../lab/lab.js';
import { labKubeConfig } from '../../lab/kube.js';

const SERVICES = 1_000;
const POOLS = 100;
const RUNS = 5;
/** Each pool is one /27 of 198.18.0.0/15 (32 addresses, 3,200 in all for 1,000 Services). */
const POOL_PREFIX = 27;
const BENCH_LABEL = 'metallb-runbooks.bench/diagnose-live';
const GROUP = { group: 'metallb.io', version: 'v1beta1' };
/** Bounds: creating and allocating the load, each measured command, the clean-up. */
const LOAD_DEADLINE_MS = 5 * 60_000;
const COMMAND_TIMEOUT_MS = 120_000;
const CLEANUP_DEADLINE_MS = 3 * 60_000;
const CONCURRENCY = 16;

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const cliPaths = (process.env['METALLB_BENCH_CLI'] ?? path.join(repoRoot, 'bin/metallb-runbooks.js'))
  .split(',')
  .map((cli) => path.resolve(cli));
const runId = `${process.pid.toString(36)}${Date.now().toString(36)}`.slice(-8);
const serviceNamespace = `bench-live-${runId}`;

interface Apis {
  core: CoreV1Api;
  custom: CustomObjectsApi;
  metallbNamespace: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function inBatches<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < items.length; start += CONCURRENCY) {
    await Promise.all(items.slice(start, start + CONCURRENCY).map(work));
  }
}

async function until(what: string, deadlineMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs / 1000} s waiting for ${what}`);
    await sleep(1_000);
  }
}

const isNotFound = (error: unknown): boolean => (error as { code?: number }).code === 404;

// ---------------------------------------------------------------------------------------------
// The load

/** 198.18.0.0 + index * 32, as a /27: pool 0 is 198.18.0.0/27, pool 8 is 198.18.1.0/27. */
function poolCidr(index: number): string {
  const offset = index * 2 ** (32 - POOL_PREFIX);
  return `198.${18 + Math.floor(offset / 65536)}.${Math.floor(offset / 256) % 256}.${offset % 256}/${POOL_PREFIX}`;
}

async function createLoad(apis: Apis): Promise<void> {
  const labels = { [BENCH_LABEL]: runId };
  const poolNames = Array.from({ length: POOLS }, (_, i) => `bench-live-${runId}-${String(i).padStart(3, '0')}`);
  await inBatches(poolNames, (name) =>
    apis.custom.createNamespacedCustomObject({
      ...GROUP,
      namespace: apis.metallbNamespace,
      plural: 'ipaddresspools',
      body: {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'IPAddressPool',
        metadata: { name, labels },
        spec: { addresses: [poolCidr(poolNames.indexOf(name))] },
      },
    }),
  );
  await apis.custom.createNamespacedCustomObject({
    ...GROUP,
    namespace: apis.metallbNamespace,
    plural: 'l2advertisements',
    body: {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'L2Advertisement',
      metadata: { name: `bench-live-${runId}`, labels },
      spec: { ipAddressPoolSelectors: [{ matchLabels: labels }] },
    },
  });
  await apis.core.createNamespace({ body: { metadata: { name: serviceNamespace, labels } } });
  const names = Array.from({ length: SERVICES }, (_, i) => `svc-${String(i).padStart(4, '0')}`);
  await inBatches(names, (name) =>
    apis.core.createNamespacedService({
      namespace: serviceNamespace,
      body: { metadata: { name, labels }, spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] } },
    }),
  );
}

const hasIp = (service: V1Service): boolean => (service.status?.loadBalancer?.ingress ?? []).some((i) => i.ip);

async function waitForIps(apis: Apis): Promise<void> {
  let withIp = 0;
  await until(`all ${SERVICES} Services to get an IP (last seen: ${withIp})`, LOAD_DEADLINE_MS, async () => {
    const list = await apis.core.listNamespacedService({ namespace: serviceNamespace });
    withIp = list.items.filter(hasIp).length;
    return withIp === SERVICES;
  });
}

// ---------------------------------------------------------------------------------------------
// Clean-up: everything labelled BENCH_LABEL, whichever run made it.

async function deleteConfig(apis: Apis, plural: string): Promise<void> {
  const list = (await apis.custom.listNamespacedCustomObject({
    ...GROUP,
    namespace: apis.metallbNamespace,
    plural,
    labelSelector: BENCH_LABEL,
  })) as { items: { metadata: { name: string } }[] };
  await inBatches(list.items, async (item) => {
    try {
      await apis.custom.deleteNamespacedCustomObject({
        ...GROUP,
        namespace: apis.metallbNamespace,
        plural,
        name: item.metadata.name,
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  });
}

async function cleanUp(apis: Apis): Promise<void> {
  const namespaces = await apis.core.listNamespace({ labelSelector: BENCH_LABEL });
  for (const ns of namespaces.items) {
    try {
      await apis.core.deleteNamespace({ name: ns.metadata!.name! });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  // The Services go first, so the controller does not reallocate them while the pools vanish.
  await until('the benchmark namespaces to be gone', CLEANUP_DEADLINE_MS, async () => {
    const left = await apis.core.listNamespace({ labelSelector: BENCH_LABEL });
    return left.items.length === 0;
  });
  await deleteConfig(apis, 'l2advertisements');
  await deleteConfig(apis, 'ipaddresspools');
}

// ---------------------------------------------------------------------------------------------
// Measurement

interface Sample {
  seconds: number;
  /** user + system CPU of the command and its children: less disturbed by a busy machine than wall time. */
  cpuSeconds: number;
  maxRssKiB: number;
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'diagnose-live-'));

/** One run of argv under GNU time: wall and CPU seconds, and the peak RSS of the largest process it ran. */
function timed(argv: readonly string[], env: NodeJS.ProcessEnv, okExitCodes: readonly number[]): Sample {
  const timeFile = path.join(scratch, 'time');
  const result = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeFile, ...argv], {
    cwd: repoRoot,
    env,
    timeout: COMMAND_TIMEOUT_MS,
    maxBuffer: 256 * 1024 * 1024,
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  if (!okExitCodes.includes(result.status ?? -1)) {
    throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr.trim().split('\n').at(-1)}`);
  }
  const [wall, user, system, kib] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
  return { seconds: wall!, cpuSeconds: user! + system!, maxRssKiB: kib! };
}

const SERVICE_COLUMNS = 'NAMESPACE:.metadata.namespace,NAME:.metadata.name,IP:.status.loadBalancer.ingress[0].ip';
const LOG_PATTERN = '"error|warn|stale|invalid|failed"';

// The runbook's checks 1-3 as written, output discarded (a grep that matches nothing is not a failure).
function kubectlChecks(metallbNamespace: string): string {
  const ns = `-n ${metallbNamespace}`;
  return [
    `kubectl get ipaddresspool ${ns} -o custom-columns=NAME:.metadata.name,ADDRESSES:.spec.addresses`,
    `kubectl get svc -A -o custom-columns=${SERVICE_COLUMNS} | grep -v '<none>'`,
    `kubectl logs ${ns} -l app=metallb,component=controller --since=1h | grep -iE ${LOG_PATTERN} || true`,
    `kubectl get l2advertisement ${ns} -o yaml`,
    `kubectl get bgpadvertisement ${ns} -o yaml`,
    `kubectl get ipaddresspool ${ns} -o jsonpath='{range .items[*]}{.metadata.name}{"\\n"}{end}'`,
  ]
    .map((command) => `{ ${command}; } > /dev/null\n`)
    .join('');
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Subject {
  name: string;
  argv: string[];
  okExitCodes: number[];
  samples: Sample[];
}

// Runs alternate between the subjects, so a machine that gets busier or quieter affects all alike.
function measure(kubeconfig: string, metallbNamespace: string): Subject[] {
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig };
  // The CLI must start as it does for a user, whatever loader options reached this script.
  delete env['NODE_OPTIONS'];
  const subjects: Subject[] = [
    ...cliPaths.map((cli) => ({
      name: `diagnose -o json (${path.relative(process.cwd(), cli) || cli})`,
      argv: [process.execPath, cli, 'diagnose', '-o', 'json'],
      okExitCodes: [0, 1],
      samples: [],
    })),
    {
      name: 'runbook kubectl checks 1-3',
      argv: ['bash', '-o', 'pipefail', '-c', kubectlChecks(metallbNamespace)],
      okExitCodes: [0],
      samples: [],
    },
  ];
  // One untimed run of each warms the page cache and the API server's watch cache alike.
  for (const subject of subjects) timed(subject.argv, env, subject.okExitCodes);
  for (let run = 0; run < RUNS; run++) {
    for (const subject of subjects) subject.samples.push(timed(subject.argv, env, subject.okExitCodes));
  }
  return subjects;
}

interface Figures {
  seconds: number;
  cpuSeconds: number;
  mib: number;
}

const figuresOf = (samples: readonly Sample[]): Figures => ({
  seconds: median(samples.map((s) => s.seconds)),
  cpuSeconds: median(samples.map((s) => s.cpuSeconds)),
  mib: median(samples.map((s) => s.maxRssKiB)) / 1024,
});

function report(subjects: readonly Subject[]): void {
  const kubectl = figuresOf(subjects.at(-1)!.samples);
  console.log(`\nmedian of ${RUNS} runs, ${SERVICES} Services, ${POOLS} pools (wall | CPU user+sys | peak RSS):`);
  for (const subject of subjects) {
    const f = figuresOf(subject.samples);
    const runs = subject.samples.map((s) => s.seconds.toFixed(2)).join(', ');
    console.log(
      `  ${subject.name}: ${f.seconds.toFixed(2)} s | ${f.cpuSeconds.toFixed(2)} s | ${f.mib.toFixed(0)} MiB ` +
        `(wall per run: ${runs})`,
    );
    if (subject === subjects.at(-1)) continue;
    console.log(
      `    vs kubectl: time ${(f.seconds / kubectl.seconds).toFixed(2)}x, ` +
        `CPU ${(f.cpuSeconds / kubectl.cpuSeconds).toFixed(2)}x ` +
        `(target < 0.5x); memory ${(f.mib / kubectl.mib).toFixed(2)}x (target: < 150 MiB)`,
    );
  }
}

// ---------------------------------------------------------------------------------------------

async function controllerLogSize(apis: Apis): Promise<string> {
  const pods = await apis.core.listNamespacedPod({
    namespace: apis.metallbNamespace,
    labelSelector: 'app=metallb,component=controller',
  });
  const logs = await Promise.all(
    pods.items.map((pod) =>
      apis.core.readNamespacedPodLog({
        name: pod.metadata!.name!,
        namespace: apis.metallbNamespace,
        sinceSeconds: 3600,
      }),
    ),
  );
  const text = logs.join('');
  return `${text.split('\n').length - 1} lines, ${(text.length / 1024 / 1024).toFixed(1)} MiB`;
}

function apisFor(kc: KubeConfig, metallbNamespace: string): Apis {
  return { core: kc.makeApiClient(CoreV1Api), custom: kc.makeApiClient(CustomObjectsApi), metallbNamespace };
}

async function main(): Promise<void> {
  const name = process.env.METALLB_LAB ?? 'bench';
  const record = await labUp({ name }, (line) => console.error(`[lab:${name}] ${line}`));
  const apis = apisFor(labKubeConfig(record.kubeconfig), record.namespace);
  let interrupted = false;
  const stop = () => {
    interrupted = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await cleanUp(apis);
    const started = Date.now();
    await createLoad(apis);
    await waitForIps(apis);
    console.log(
      `lab "${name}": ${SERVICES} Services with IPs from ${POOLS} pools in ${(Date.now() - started) / 1000} s`,
    );
    if (interrupted) return;
    // diagnose parses the controller's log of the last hour (the runbook's check 2 greps the last
    // 10 lines per pod, kubectl's default with -l); earlier runs within the hour make it longer.
    console.log(`controller log of the last hour: ${await controllerLogSize(apis)}`);
    report(measure(record.kubeconfig, record.namespace));
  } finally {
    if (process.env['METALLB_BENCH_KEEP_LOAD'] !== '1') await cleanUp(apis);
    rmSync(scratch, { recursive: true, force: true });
    console.log(process.env['METALLB_BENCH_KEEP_LOAD'] === '1' ? 'kept the load' : 'removed the benchmark load');
  }
}

await main();
