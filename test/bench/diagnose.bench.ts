// Benchmark of snapshotFromObjects + diagnose on a large generated cluster (npm run bench:diagnose).
// Prints figures only; nothing is asserted. Addresses come from benchmark/documentation ranges:
// 198.18.0.0/15 (IPv4 pools), 2001:db8::/32 (IPv6 pools), the IPv4 documentation /24s (orphaned IPs).
import { threadCpuUsage } from 'node:process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildContext } from '../../domain/diagnose/context.js';
import { diagnose, RULES } from '../../domain/diagnose/index.js';
import { parseDump, snapshotFromObjects } from '../../domain/snapshot.js';

type Obj = Record<string, unknown>;

const NS = 'metallb-system';
const NOW = '2026-11-23T12:00:00.000Z';
const ITERATIONS = 5;
const SINCE = new Date(Date.parse(NOW) - 3_600_000).toISOString();

interface Shape {
  services: number;
  pools: number;
  advertisements: number;
}

// ---------------------------------------------------------------------------------------------
// Generation

interface GeneratedPool {
  object: Obj;
  /** The n-th usable address of the pool. */
  address: (n: number) => string;
  size: number;
}

// IPv4: /26 blocks of 198.18.0.0/15 (2048 available), written as CIDR or as a 60-address range.
function ipv4Pool(index: number, name: string): GeneratedPool {
  const block = index * 64;
  const [third, fourth] = [18 + Math.floor(block / 65536), Math.floor((block % 65536) / 256)];
  const base = `198.${third}.${fourth}`;
  const start = block % 256;
  const asRange = index % 2 === 1;
  const spec = asRange ? `${base}.${start + 2}-${base}.${start + 61}` : `${base}.${start}/26`;
  const offset = asRange ? start + 2 : start;
  return { object: poolObject(name, [spec], index), address: (n) => `${base}.${offset + n}`, size: asRange ? 60 : 64 };
}

// IPv6: one /120 per pool inside 2001:db8::/32, as CIDR or range.
function ipv6Pool(index: number, name: string): GeneratedPool {
  const prefix = `2001:db8:${(index >> 8).toString(16)}:${(index & 0xff).toString(16)}::`;
  const asRange = index % 2 === 1;
  const spec = asRange ? `${prefix}1-${prefix}ff` : `${prefix}/120`;
  return { object: poolObject(name, [spec], index), address: (n) => `${prefix}${(n + 1).toString(16)}`, size: 255 };
}

function poolObject(name: string, addresses: string[], index: number): Obj {
  return {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metadata: { name, namespace: NS, labels: { tier: `t${index % 5}` } },
    spec: { addresses, autoAssign: true, avoidBuggyIPs: false },
  };
}

function generatePools(count: number): GeneratedPool[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `pool-${String(i).padStart(5, '0')}`;
    return i % 2 === 0 ? ipv4Pool(i / 2, name) : ipv6Pool((i - 1) / 2, name);
  });
}

function serviceObject(i: number, ips: string[], pool: string | null): Obj {
  const namespace = `ns-${i % 50}`;
  const annotations = pool === null ? {} : { 'metallb.io/ip-allocated-from-pool': pool };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `svc-${i}`, namespace, annotations, labels: { app: `app-${i % 100}` } },
    spec: {
      type: 'LoadBalancer',
      ports: [{ port: 80, protocol: 'TCP' }],
      selector: { app: `app-${i % 100}` },
      externalTrafficPolicy: 'Cluster',
    },
    status: { loadBalancer: ips.length === 0 ? {} : { ingress: ips.map((ip) => ({ ip })) } },
  };
}

// Distinct addresses in no pool: the three IPv4 documentation /24s.
const ORPHAN_BLOCKS = ['192.0.2', '198.51.100', '203.0.113'];
const orphanIp = (k: number): string => `${ORPHAN_BLOCKS[Math.floor(k / 254) % 3]}.${(k % 254) + 1}`;

// ~1% orphans (in no pool), ~1% pending, the rest spread over every pool.
function generateServices(count: number, pools: readonly GeneratedPool[]): Obj[] {
  const used = new Map<number, number>();
  return Array.from({ length: count }, (_, i) => {
    if (i % 100 === 7) return serviceObject(i, [orphanIp(Math.floor(i / 100))], 'deleted-pool');
    if (i % 100 === 13) return serviceObject(i, [], null);
    const p = i % pools.length;
    const n = used.get(p) ?? 0;
    used.set(p, n + 1);
    const pool = pools[p]!;
    return serviceObject(i, [pool.address(n % pool.size)], (pool.object['metadata'] as Obj)['name'] as string);
  });
}

function generateAdvertisements(count: number, pools: readonly GeneratedPool[]): Obj[] {
  const names = pools.map((p) => (p.object['metadata'] as Obj)['name'] as string);
  const per = Math.ceil(names.length / count);
  return Array.from({ length: count }, (_, i) => {
    const ipAddressPools = names.slice(i * per, (i + 1) * per);
    const kind = i % 4 === 0 ? 'BGPAdvertisement' : 'L2Advertisement';
    const spec: Obj = {
      ipAddressPools,
      ...(i % 10 === 5 ? { ipAddressPoolSelectors: [{ matchLabels: { tier: 't3' } }] } : {}),
    };
    // Valid for every generated entry (largest summary block: /28 for IPv4 ranges, /121 for IPv6 ranges).
    if (kind === 'BGPAdvertisement')
      Object.assign(spec, { aggregationLength: 28, aggregationLengthV6: 124, communities: ['65000:100'] });
    return { apiVersion: 'metallb.io/v1beta1', kind, metadata: { name: `adv-${i}`, namespace: NS }, spec };
  });
}

function installation(): Obj[] {
  const labels = (component: string) => ({ app: 'metallb', component });
  const container = (c: string) => [{ name: c, image: `quay.io/metallb/${c}:v0.16.1` }];
  const crd = (plural: string, version = 'v1beta1') => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.metallb.io` },
    spec: {
      group: 'metallb.io',
      names: { kind: plural, plural },
      versions: [{ name: version, served: true, storage: true }],
    },
    status: { storedVersions: [version] },
  });
  return [
    ...Array.from({ length: 50 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: `ns-${i}`, labels: { team: `t${i % 5}` } },
    })),
    ...Array.from({ length: 20 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: `node-${i}`, labels: { zone: `z${i % 3}` } },
    })),
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'controller', namespace: NS, labels: labels('controller'), generation: 1 },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels('controller') },
        template: { spec: { containers: container('controller') } },
      },
      status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'speaker', namespace: NS, labels: labels('speaker'), generation: 1 },
      spec: { selector: { matchLabels: labels('speaker') }, template: { spec: { containers: container('speaker') } } },
      status: { observedGeneration: 1, desiredNumberScheduled: 20, updatedNumberScheduled: 20, numberAvailable: 20 },
    },
    ...[
      'ipaddresspools',
      'l2advertisements',
      'bgpadvertisements',
      'communities',
      'bfdprofiles',
      'servicel2statuses',
      'servicebgpstatuses',
      'configurationstates',
    ].map((p) => crd(p)),
    crd('bgppeers', 'v1beta2'),
  ];
}

function generateLogs(lines: number): { controller: string; speaker: string } {
  const ts = (i: number) => new Date(Date.parse(NOW) - (lines - i) * 1000).toISOString().replace('.000', '');
  const controller = Array.from({ length: lines }, (_, i) =>
    i % 10 === 0
      ? JSON.stringify({
          caller: 'service.go:179',
          error: 'no available IPs',
          level: 'error',
          msg: 'IP allocation failed',
          op: 'allocateIPs',
          ts: ts(i),
        })
      : JSON.stringify({
          caller: 'service.go:186',
          event: 'ipAllocated',
          ip: [`198.18.0.${i % 250}`],
          level: 'info',
          msg: 'IP address assigned by controller',
          ts: ts(i),
        }),
  );
  const speaker = Array.from({ length: lines }, (_, i) =>
    JSON.stringify({
      caller: 'main.go:444',
      event: 'serviceAnnounced',
      level: 'info',
      msg: 'service has IP, announcing',
      ts: ts(i),
    }),
  );
  return { controller: controller.join('\n'), speaker: speaker.join('\n') };
}

function generateCluster(shape: Shape): unknown[] {
  const pools = generatePools(shape.pools);
  return [
    ...installation(),
    ...pools.map((p) => p.object),
    ...generateAdvertisements(shape.advertisements, pools),
    ...generateServices(shape.services, pools),
  ];
}

// ---------------------------------------------------------------------------------------------
// Measurement

/** This thread's CPU time in ms: unlike wall time, hardly changed by other processes on a shared machine. */
const threadCpuMs = (): number => {
  const { user, system } = threadCpuUsage();
  return (user + system) / 1000;
};

const memory = { rss: 0, heapUsed: 0 };

function sampleMemory(): void {
  const { rss, heapUsed } = process.memoryUsage();
  memory.rss = Math.max(memory.rss, rss);
  memory.heapUsed = Math.max(memory.heapUsed, heapUsed);
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

interface Timing {
  snapshot: number[];
  diagnose: number[];
  total: number[];
  findings: number;
}

function measure(shape: Shape): Timing {
  const objects = generateCluster(shape);
  const logs = generateLogs(2000);
  sampleMemory();
  const timing: Timing = { snapshot: [], diagnose: [], total: [], findings: 0 };
  const since = new Date(Date.parse(NOW) - 3_600_000).toISOString();
  // One untimed pass so JIT warm-up does not land in the first shape's figures.
  diagnose(snapshotFromObjects(objects, { collectedAt: NOW, source: 'file', logs, logsSince: since }));
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = performance.now();
    const snapshot = snapshotFromObjects(objects, { collectedAt: NOW, source: 'file', logs, logsSince: since });
    sampleMemory();
    const t1 = performance.now();
    const report = diagnose(snapshot);
    sampleMemory();
    const t2 = performance.now();
    timing.snapshot.push(t1 - t0);
    timing.diagnose.push(t2 - t1);
    timing.total.push(t2 - t0);
    timing.findings = report.findings.length;
  }
  return timing;
}

function report(label: string, shape: Shape, t: Timing): void {
  const line = (name: string, values: number[]) =>
    `${name} min ${fmt(Math.min(...values))} / median ${fmt(median(values))}`;
  console.log(
    `${label}: ${shape.services} Services, ${shape.pools} pools, ${shape.advertisements} advertisements ` +
      `→ ${t.findings} findings`,
  );
  console.log(
    `  ${line('snapshotFromObjects', t.snapshot)}; ${line('diagnose', t.diagnose)}; ${line('total', t.total)}`,
  );
}

// Where the time goes: context building and each check, on one snapshot of the shape.
function breakdown(shape: Shape): void {
  const snapshot = snapshotFromObjects(generateCluster(shape), {
    collectedAt: NOW,
    source: 'file',
    logs: generateLogs(2000),
  });
  const runs: Record<string, number[]> = {};
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = threadCpuMs();
    const ctx = buildContext(snapshot);
    (runs['context'] ??= []).push(threadCpuMs() - t0);
    for (const [check, rule] of Object.entries(RULES)) {
      const t = threadCpuMs();
      rule(ctx);
      (runs[check] ??= []).push(threadCpuMs() - t);
    }
  }
  const phases = Object.entries(runs).map(([k, v]) => `${k} ${fmt(median(v))}`);
  console.log(`  median per phase (this thread's CPU): ${phases.join(', ')}`);
}

// Full collections between the timed phases, so each phase pays for its own garbage and not for
// the previous phase's (the snapshot's garbage is not the analysis's cost). Exposed at run time:
// no node flag needed.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

// The target of issue 7: the analysis (diagnose on a parsed snapshot) within 3x the time to
// parse the dump it reads (parseDump of the same cluster as one JSON List). Medians of RUNS runs,
// after one untimed warm-up of each.
const RUNS = 9;

interface PhaseTimes {
  wall: number[];
  cpu: number[];
}

function timePhase(times: PhaseTimes, run: () => unknown): void {
  const [wall, cpu] = [performance.now(), threadCpuMs()];
  run();
  times.wall.push(performance.now() - wall);
  times.cpu.push(threadCpuMs() - cpu);
}

function analysisAgainstParse(shape: Shape): void {
  const objects = generateCluster(shape);
  const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
  const options = { collectedAt: NOW, source: 'file' as const, logs: generateLogs(2000), logsSince: SINCE };
  const parse: PhaseTimes = { wall: [], cpu: [] };
  const analysis: PhaseTimes = { wall: [], cpu: [] };
  diagnose(snapshotFromObjects(parseObjects(text), options));
  for (let run = 0; run < RUNS; run++) {
    collectGarbage();
    timePhase(parse, () => parseDump(text));
    const snapshot = snapshotFromObjects(objects, options);
    collectGarbage();
    timePhase(analysis, () => diagnose(snapshot));
  }
  const figures = (pick: (t: PhaseTimes) => number[]) => {
    const [parseMedian, analysisMedian] = [median(pick(parse)), median(pick(analysis))];
    const ratio = (analysisMedian / parseMedian).toFixed(1);
    return `parseDump ${fmt(parseMedian)}, analysis (diagnose) ${fmt(analysisMedian)} = ${ratio}x`;
  };
  console.log(
    `${shape.services} Services, ${shape.pools} pools (${mib(text.length)} JSON, ${objects.length} objects), ` +
      `median of ${RUNS} (target: analysis within 3x the parse time):`,
  );
  console.log(`  wall time:       ${figures((t) => t.wall)}`);
  console.log(`  this thread CPU: ${figures((t) => t.cpu)} (what the figure is on a quiet machine)`);
}

function parseObjects(text: string): unknown[] {
  const parsed = parseDump(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.objects;
}

function main(): void {
  const base: Shape = { services: 10_000, pools: 1_000, advertisements: 100 };
  console.log(`node ${process.version}, ${ITERATIONS} iterations per shape\n`);
  const t1 = measure(base);
  report('base', base, t1);
  breakdown(base);
  const doubleServices = { ...base, services: base.services * 2 };
  const t2 = measure(doubleServices);
  report('2x services', doubleServices, t2);
  const doublePools = { ...base, pools: base.pools * 2 };
  const t3 = measure(doublePools);
  report('2x pools', doublePools, t3);
  const ratio = (pick: (v: number[]) => number, a: Timing, b: Timing) => (pick(a.total) / pick(b.total)).toFixed(2);
  const min = (v: number[]) => Math.min(...v);
  console.log(
    `\nscaling of total time (min | median): 2x services → ${ratio(min, t2, t1)}x | ${ratio(median, t2, t1)}x; ` +
      `2x pools → ${ratio(min, t3, t1)}x | ${ratio(median, t3, t1)}x (linear in that input ≈ 2.0, quadratic ≈ 4.0)`,
  );
  console.log('');
  analysisAgainstParse(base);
  sampleMemory();
  console.log(`\npeak memory sampled between phases: rss ${mib(memory.rss)}, heapUsed ${mib(memory.heapUsed)}`);
  console.log(`process high-water rss (resourceUsage.maxRSS): ${mib(process.resourceUsage().maxRSS * 1024)}`);
}

main();
