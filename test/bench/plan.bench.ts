// Benchmark of `plan` on a large generated cluster (npm run bench:plan): 10,000 Services over 1,000 pools
// (198.18.0.0/15), desired config = the same pools with 10 widened and 1 renamed, pruned with --all.
// Prints the time of each phase and the peak RSS; nothing is asserted.
import { resourceUsage } from 'node:process';
import { stringify } from 'yaml';
import { indexNamespaces, type PoolView } from '../../domain/diagnose/pools.js';
import { poolViewsOf } from '../../domain/plan/config-objects.js';
import { diffConfig } from '../../domain/plan/diff.js';
import { assessImpact } from '../../domain/plan/impact.js';
import { loadDesiredFiles } from '../../domain/plan/load.js';
import { orderSteps } from '../../domain/plan/order.js';
import { liveConfigIn, planChange } from '../../domain/plan/plan.js';
import { checkSequence } from '../../domain/plan/sequence.js';
import type { PlanInput, PlanTarget } from '../../domain/plan/types.js';
import { validateConfig } from '../../domain/plan/validate.js';
import { snapshotFromObjects } from '../../domain/snapshot.js';

type Obj = Record<string, unknown>;

const NS = 'metallb-system';
// PLAN_BENCH_SCALE=0.5 runs half the size: the times should halve (no Services x pools loop).
const SCALE = Number(process.env.PLAN_BENCH_SCALE ?? '1');
const POOLS = Math.round(1_000 * SCALE);
const SERVICES = Math.round(10_000 * SCALE);
const WIDENED = 10;
const RENAMED = Math.floor(POOLS / 2);

// Pool i: the /26 at 198.18.0.0 + 64 i; widened pools add a /26 from 198.19.128.0 onwards.
const block = (offset: number): string => {
  const [third, fourth] = [18 + Math.floor(offset / 65536), Math.floor((offset % 65536) / 256)];
  return `198.${third}.${fourth}.${offset % 256}`;
};
const poolName = (index: number): string => `pool-${String(index).padStart(4, '0')}`;

function pool(name: string, addresses: string[]): Obj {
  return {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metadata: { name, namespace: NS, labels: { announce: 'yes' } },
    spec: { addresses, autoAssign: true, avoidBuggyIPs: false },
  };
}

const advertisement: Obj = {
  apiVersion: 'metallb.io/v1beta1',
  kind: 'L2Advertisement',
  metadata: { name: 'all', namespace: NS },
  spec: { ipAddressPoolSelectors: [{ matchLabels: { announce: 'yes' } }] },
};

function service(index: number): Obj {
  const poolIndex = index % POOLS;
  const held = index < SERVICES - 100; // the last 100 are pending
  const ip = block(poolIndex * 64 + 1 + Math.floor(index / POOLS));
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: `svc-${index}`,
      namespace: `team-${index % 50}`,
      annotations: held ? { 'metallb.io/ip-allocated-from-pool': poolName(poolIndex) } : {},
    },
    spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }], ipFamilies: ['IPv4'] },
    status: { loadBalancer: held ? { ingress: [{ ip }] } : {} },
  };
}

function cluster(): Obj[] {
  const controller = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'controller', namespace: NS, labels: { app: 'metallb', component: 'controller' } },
    spec: { template: { spec: { containers: [{ name: 'controller', image: 'quay.io/metallb/controller:v0.15.3' }] } } },
    status: { availableReplicas: 1 },
  };
  const pools = Array.from({ length: POOLS }, (_, i) => pool(poolName(i), [`${block(i * 64)}/26`]));
  return [controller, advertisement, ...pools, ...Array.from({ length: SERVICES }, (_, i) => service(i))];
}

function desiredYaml(): string {
  const pools = Array.from({ length: POOLS }, (_, i) => {
    const addresses = [`${block(i * 64)}/26`];
    if (i < WIDENED) addresses.push(`${block(65536 + 32768 + i * 64)}/26`);
    return pool(i === RENAMED ? `${poolName(i)}-v2` : poolName(i), addresses);
  });
  return [...pools, advertisement].map((object) => stringify(object)).join('---\n');
}

function timed<T>(label: string, times: Map<string, number>, run: () => T): T {
  const start = performance.now();
  const value = run();
  times.set(label, (times.get(label) ?? 0) + performance.now() - start);
  return value;
}

function main(): void {
  const times = new Map<string, number>();
  const snapshot = timed('snapshot (parse cluster objects)', times, () =>
    snapshotFromObjects(cluster(), { collectedAt: new Date().toISOString(), source: 'file' }),
  );
  const target: PlanTarget = { namespace: NS, metallbVersion: 'v0.15.3', bgpType: 'native' };
  const text = desiredYaml();
  const loaded = timed('load (YAML -> config objects)', times, () =>
    loadDesiredFiles([{ path: 'desired.yaml', text }], NS),
  );
  const live = liveConfigIn(snapshot, NS);
  const diff = diffConfig(live, loaded.objects, { all: true });
  timed('validate (resulting config)', times, () => validateConfig(diff.resulting, target));
  const input = { snapshot, live, diff, target, allowIpChanges: false };
  const assessment = timed('impact (projected allocation, refusals)', times, () => assessImpact(input));
  const namespaces = indexNamespaces(snapshot.namespaces);
  const finalPools: PoolView[] = poolViewsOf(diff.resulting, namespaces);
  const ordered = timed('order (steps, swaps)', times, () =>
    orderSteps({
      diff,
      livePools: assessment.livePools,
      finalPools,
      services: assessment.services,
      projected: assessment.projected,
      previousPool: assessment.previousPool,
    }),
  );
  const keep = new Set([...assessment.projected.values()].filter((p) => p.kept).map((p) => p.view.key));
  const replay = timed('order check (replay every step)', times, () =>
    checkSequence({ live, steps: ordered.steps, services: assessment.services, keep, target, namespaces }),
  );
  const planInput: PlanInput = {
    snapshot,
    desired: loaded.objects,
    prune: { all: true },
    allowIpChanges: false,
    target,
  };
  const plan = timed('planChange (all of it, with the projected diagnosis)', times, () => planChange(planInput));
  console.log(`plan on ${SERVICES} Services and ${POOLS} pools (${WIDENED} widened, 1 renamed):`);
  for (const [label, ms] of times) console.log(`  ${label.padEnd(56)} ${ms.toFixed(0).padStart(6)} ms`);
  console.log(`  steps ${plan.steps.length}, refusals ${plan.refusals.length}, replay problems ${replay.length}`);
  const outcomes = ['keeps', 'changes', 'loses', 'gets', 'stays-pending'];
  const counts = outcomes.map((o) => `${o} ${plan.impact.filter((entry) => entry.outcome === o).length}`);
  console.log(`  impact: ${counts.join(', ')}`);
  console.log(`  peak RSS ${(resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

main();
