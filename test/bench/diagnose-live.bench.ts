// Live benchmark (npm run bench:diagnose-live): `metallb-runbooks diagnose -o json` against the
// popular runbook's three "Detecting Stale Configuration" checks run as kubectl commands, on a lab
// loaded with 1,000 LoadBalancer Services and 100 IPAddressPools (+ two L2Advertisements) in the
// benchmarking range 198.18.0.0/15, healthy and then drifted (a pool narrowed under its Services,
// an advertisement deleted). Prints wall time and peak RSS (median of RUNS), the ratios, and what
// each side found (the kubectl output read as the runbook says to read it); asserts nothing.
// Everything it creates carries BENCH_LABEL and is deleted at the end (and at the start, should an
// aborted run have left some). METALLB_LAB names a running lab; by default the
// lab "bench" is started if needed and kept for the next run (stop it: METALLB_LAB=bench npm run lab -- down).
// METALLB_BENCH_CLI=<bin/metallb-runbooks.js of a checkout>[,<another>] measures those CLIs, runs
// interleaved (before/after);
// diagnose runs with its log cache (the warm-up run fills it: the timed runs read only what the
// controller logged since) and with --no-log-cache (the whole window each time, as a first run);
// "reading alone" is the floor under diagnose: the same reads (compiled reader, log cache) and nothing else.
// METALLB_BENCH_KEEP_LOAD=1 leaves the load in place for a closer look (the next run removes it first).
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Service,
} from '@kubernetes/client-node';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { parseIp, parsePoolAddresses } from '../../domain/addresses.js';
import { labKubeConfig } from '../../lab/kube.js';
import { benchLab, figuresOf, median, repoRoot, timed, until, type Sample } from './live-support.js';
import { compareFindings, diagnoseFindings, readRunbookFindings } from './runbook-checks.js';

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

const cliPaths = (process.env['METALLB_BENCH_CLI'] ?? path.join(repoRoot, 'bin/metallb-runbooks.js'))
  .split(',')
  .map((cli) => path.resolve(cli));
// The CLI on its own runtime (Node 24, package.json's `node`): under an older node it re-runs itself there,
// which only adds that node's start-up to what is measured.
const projectNode = path.join(repoRoot, 'node_modules/node/bin/node');
const cliNode =
  Number(process.versions.node.split('.')[0]) < 24 && existsSync(projectNode) ? projectNode : process.execPath;
const runId = `${process.pid.toString(36)}${Date.now().toString(36)}`.slice(-8);
const serviceNamespace = `bench-live-${runId}`;

interface Apis {
  core: CoreV1Api;
  custom: CustomObjectsApi;
  metallbNamespace: string;
}

async function inBatches<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < items.length; start += CONCURRENCY) {
    await Promise.all(items.slice(start, start + CONCURRENCY).map(work));
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

const poolName = (index: number): string => `bench-live-${runId}-${String(index).padStart(3, '0')}`;
/** The last EXTRA_POOLS pools are announced by an advertisement of their own, which the drifted scenario deletes. */
const EXTRA_POOLS = 10;
const TIER_LABEL = 'metallb-runbooks.bench/tier';
const extraAdvertisement = `bench-live-${runId}-extra`;

async function createAdvertisement(apis: Apis, name: string, tier: string): Promise<void> {
  const labels = { [BENCH_LABEL]: runId };
  await apis.custom.createNamespacedCustomObject({
    ...GROUP,
    namespace: apis.metallbNamespace,
    plural: 'l2advertisements',
    body: {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'L2Advertisement',
      metadata: { name, labels },
      spec: { ipAddressPoolSelectors: [{ matchLabels: { ...labels, [TIER_LABEL]: tier } }] },
    },
  });
}

async function createLoad(apis: Apis): Promise<void> {
  const labels = { [BENCH_LABEL]: runId };
  const indexes = Array.from({ length: POOLS }, (_, index) => index);
  await inBatches(indexes, (index) =>
    apis.custom.createNamespacedCustomObject({
      ...GROUP,
      namespace: apis.metallbNamespace,
      plural: 'ipaddresspools',
      body: {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'IPAddressPool',
        metadata: {
          name: poolName(index),
          labels: { ...labels, [TIER_LABEL]: index < POOLS - EXTRA_POOLS ? 'main' : 'extra' },
        },
        spec: { addresses: [poolCidr(index)] },
      },
    }),
  );
  await createAdvertisement(apis, `bench-live-${runId}`, 'main');
  await createAdvertisement(apis, extraAdvertisement, 'extra');
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
// The drifted scenario: a pool narrowed under its Services and an advertisement deleted.

const NARROWED_POOL = 0;
const narrowedCidr = (): string => poolCidr(NARROWED_POOL).replace(`/${POOL_PREFIX}`, `/${POOL_PREFIX + 1}`);

async function drift(apis: Apis): Promise<void> {
  // MetalLB >= 0.14 moves the IPs the narrowing left out; measure once it has (or says why not).
  const removed = parsePoolAddresses([poolCidr(NARROWED_POOL)]);
  const kept = parsePoolAddresses([narrowedCidr()]);
  if (!removed.ok || !kept.ok) throw new Error('bad benchmark CIDR');
  const inRemovedHalf = (ip: string): boolean => {
    const parsed = parseIp(ip);
    const [whole, half] = [removed.value[0]!, kept.value[0]!];
    return parsed !== null && parsed.value >= whole.first && parsed.value <= whole.last && parsed.value > half.last;
  };
  const ipsNow = async () => {
    const list = await apis.core.listNamespacedService({ namespace: serviceNamespace });
    return {
      list,
      ips: list.items.flatMap((service) => (service.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '')),
    };
  };
  const outside = (await ipsNow()).ips.filter(inRemovedHalf).length;
  await apis.custom.patchNamespacedCustomObject(
    {
      ...GROUP,
      namespace: apis.metallbNamespace,
      plural: 'ipaddresspools',
      name: poolName(NARROWED_POOL),
      body: { spec: { addresses: [narrowedCidr()] } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await apis.custom.deleteNamespacedCustomObject({
    ...GROUP,
    namespace: apis.metallbNamespace,
    plural: 'l2advertisements',
    name: extraAdvertisement,
  });
  let left = -1;
  try {
    await until('the controller to move the IPs the narrowed pool left out', 120_000, async () => {
      const { list, ips } = await ipsNow();
      left = ips.filter(inRemovedHalf).length;
      return left === 0 && list.items.every(hasIp);
    });
    console.log(`drifted: the controller moved the ${outside} Service IPs the narrowed pool left out`);
  } catch {
    console.log(`drifted: ${left} Service IPs still outside the narrowed pool after 120 s`);
  }
}

// ---------------------------------------------------------------------------------------------
// Measurement

/** Where the runbook's checks leave their output, read afterwards for what they show. */
const scratch = mkdtempSync(path.join(os.tmpdir(), 'diagnose-live-'));

const SERVICE_COLUMNS = 'NAMESPACE:.metadata.namespace,NAME:.metadata.name,IP:.status.loadBalancer.ingress[0].ip';
const LOG_PATTERN = '"error|warn|stale|invalid|failed"';
const checkOutput = (check: string): string => path.join(scratch, `${check}.out`);

// The runbook's checks 1-3 as written, each command's output kept for reading what it shows (a grep
// that matches nothing is not a failure).
function kubectlChecks(metallbNamespace: string): string {
  const ns = `-n ${metallbNamespace}`;
  return [
    ['pools', `kubectl get ipaddresspool ${ns} -o custom-columns=NAME:.metadata.name,ADDRESSES:.spec.addresses`],
    ['service-ips', `kubectl get svc -A -o custom-columns=${SERVICE_COLUMNS} | grep -v '<none>'`],
    [
      'controller-log',
      `kubectl logs ${ns} -l app=metallb,component=controller --since=1h | grep -iE ${LOG_PATTERN} || true`,
    ],
    ['l2advertisements', `kubectl get l2advertisement ${ns} -o yaml`],
    ['bgpadvertisements', `kubectl get bgpadvertisement ${ns} -o yaml`],
    ['pool-names', `kubectl get ipaddresspool ${ns} -o jsonpath='{range .items[*]}{.metadata.name}{"\\n"}{end}'`],
  ]
    .map(([check, command]) => `{ ${command}; } > ${checkOutput(check!)}\n`)
    .join('');
}

interface Subject {
  name: string;
  argv: string[];
  okExitCodes: number[];
  samples: Sample[];
  /** stdout of the last run: what this subject found. */
  lastStdout: string;
  /** Seconds each run printed (the read alone: its read without start-up). */
  printed?: number[];
}

const distModule = (file: string): string => JSON.stringify(pathToFileURL(path.join(repoRoot, 'dist', file)).href);

// What diagnose reads, read as diagnose reads it (compiled reader, same scope, same log cache) and nothing else:
// no snapshot, no analysis, no report. Prints the seconds the read took inside the process, start-up left out.
const readAloneScript = `
const { lightEndpoint } = await import(${distModule('kube/kubeconfig-light.js')});
const { readCluster, serverOf } = await import(${distModule('kube/read-cluster.js')});
const { fileLogCache, defaultLogCacheDirectory } = await import(${distModule('kube/log-cache.js')});
const endpoint = lightEndpoint({});
const logCache = fileLogCache({ server: serverOf(endpoint), name: endpoint.name }, defaultLogCacheDirectory());
const started = performance.now();
await readCluster(endpoint, { logSinceSeconds: 3600, serviceEvents: 'problems', logCache });
console.log(((performance.now() - started) / 1000).toFixed(3));
`;

/** The floor under diagnose's time: reading the cluster alone, as it does. */
const readingAlone = (): Subject => ({
  name: 'reading alone (what diagnose reads, nothing else)',
  argv: [cliNode, '--input-type=module', '-e', readAloneScript],
  okExitCodes: [0],
  samples: [],
  lastStdout: '',
  printed: [],
});

// Runs alternate between the subjects, so a machine that gets busier or quieter affects all alike.
function measure(kubeconfig: string, metallbNamespace: string): Subject[] {
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig };
  // The CLI must start as it does for a user, whatever loader options reached this script.
  delete env['NODE_OPTIONS'];
  const diagnoseRun = (cli: string, extra: string[] = []): Subject => ({
    name: `diagnose -o json${extra.map((flag) => ` ${flag}`).join('')} (${path.relative(process.cwd(), cli) || cli})`,
    argv: [cliNode, cli, 'diagnose', '-o', 'json', ...extra],
    okExitCodes: [0, 1],
    samples: [],
    lastStdout: '',
  });
  const subjects: Subject[] = [
    readingAlone(),
    ...cliPaths.map((cli) => diagnoseRun(cli)),
    // Every run of the window read afresh: what a first run (or one with the cache gone) costs; of the first CLI,
    // whose cached findings it is compared with.
    diagnoseRun(cliPaths[0]!, ['--no-log-cache']),
    {
      name: 'runbook kubectl checks 1-3',
      argv: ['bash', '-o', 'pipefail', '-c', kubectlChecks(metallbNamespace)],
      okExitCodes: [0],
      samples: [],
      lastStdout: '',
    },
  ];
  // One untimed run of each warms the page cache and the API server's watch cache alike.
  const options = (subject: Subject) => ({ env, okExitCodes: subject.okExitCodes, timeoutMs: COMMAND_TIMEOUT_MS });
  for (const subject of subjects) timed(subject.argv, options(subject));
  for (let run = 0; run < RUNS; run++) {
    for (const subject of subjects) {
      const { sample, stdout } = timed(subject.argv, options(subject));
      subject.samples.push(sample);
      subject.lastStdout = stdout;
      subject.printed?.push(Number(stdout.trim()));
    }
  }
  return subjects;
}

function reportFigures(scenario: string, subjects: readonly Subject[]): void {
  const kubectl = figuresOf(subjects.at(-1)!.samples);
  console.log(
    `\n${scenario}: median of ${RUNS} runs, ${SERVICES} Services, ${POOLS} pools (wall | CPU user+sys | peak RSS):`,
  );
  for (const subject of subjects) {
    const f = figuresOf(subject.samples);
    const runs = subject.samples.map((s) => s.seconds.toFixed(2)).join(', ');
    console.log(
      `  ${subject.name}: ${f.seconds.toFixed(2)} s | ${f.cpuSeconds.toFixed(2)} s | ${f.mib.toFixed(0)} MiB ` +
        `(wall per run: ${runs})`,
    );
    if (subject === subjects.at(-1)) continue;
    if (subject.printed) console.log(`    of which the read itself (start-up left out): ${median(subject.printed)} s`);
    console.log(
      `    vs kubectl: time ${(f.seconds / kubectl.seconds).toFixed(2)}x (target <= 0.25x), ` +
        `CPU ${(f.cpuSeconds / kubectl.cpuSeconds).toFixed(2)}x, memory ${(f.mib / kubectl.mib).toFixed(2)}x`,
    );
  }
}

function measureScenario(scenario: string, kubeconfig: string, metallbNamespace: string): void {
  const subjects = measure(kubeconfig, metallbNamespace);
  reportFigures(scenario, subjects);
  // In order: the read alone, each CLI, the first CLI with --no-log-cache, the kubectl checks.
  const [cached, fresh] = [subjects[1]!, subjects.at(-2)!];
  compareFindings(readRunbookFindings(scratch), diagnoseFindings(cached.lastStdout));
  const [withCache, withoutCache] = [diagnoseFindings(cached.lastStdout), diagnoseFindings(fresh.lastStdout)];
  const differences = [...new Set([...withCache.keys(), ...withoutCache.keys()])]
    .filter((id) => withCache.get(id) !== withoutCache.get(id))
    .map((id) => `${id} ${withCache.get(id) ?? 0} vs ${withoutCache.get(id) ?? 0}`);
  console.log(
    '  findings with the log cache and with --no-log-cache: ' +
      (differences.length === 0 ? 'the same' : `DIFFERENT (${differences.join(', ')})`),
  );
}

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
  const record = await benchLab();
  const name = record.name;
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
    measureScenario('healthy', record.kubeconfig, record.namespace);
    if (interrupted) return;
    await drift(apis);
    const change = `pool ${poolName(NARROWED_POOL)} narrowed to ${narrowedCidr()}`;
    measureScenario(
      `drifted (${change}, L2Advertisement ${extraAdvertisement} deleted)`,
      record.kubeconfig,
      record.namespace,
    );
  } finally {
    if (process.env['METALLB_BENCH_KEEP_LOAD'] !== '1') await cleanUp(apis);
    rmSync(scratch, { recursive: true, force: true });
    console.log(process.env['METALLB_BENCH_KEEP_LOAD'] === '1' ? 'kept the load' : 'removed the benchmark load');
  }
}

await main();
