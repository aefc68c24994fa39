// Benchmark of snapshotFromObjects + diagnose on a large generated cluster (npm run bench:diagnose).
// Prints figures only; nothing is asserted. Addresses come from benchmark/documentation ranges:
// 198.18.0.0/15 (IPv4 pools), 2001:db8::/32 (IPv6 pools), the IPv4 documentation /24s (orphaned IPs).
import { buildContext } from '../../domain/diagnose/context.js';
import { diagnose, RULES } from '../../domain/diagnose/index.js';
import { snapshotFromObjects } from '../../domain/snapshot.js';
import { analysisAgainstParse, fmt, median, mib, threadCpuMs } from './analysis-vs-parse.js';
import { generateCluster, generateLogs, NOW, type Shape } from './generated-cluster.js';

const ITERATIONS = 5;

// ---------------------------------------------------------------------------------------------
// Measurement

const memory = { rss: 0, heapUsed: 0 };

function sampleMemory(): void {
  const { rss, heapUsed } = process.memoryUsage();
  memory.rss = Math.max(memory.rss, rss);
  memory.heapUsed = Math.max(memory.heapUsed, heapUsed);
}

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
