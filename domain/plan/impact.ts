// The impact of a change on every LoadBalancer Service MetalLB serves (keeps, changes, loses, gets,
// stays pending), version-aware, and the refusals that follow from it: IPs moved or dropped, a pool in
// use deleted, the last advertisement of a pool in use removed, a <= v0.13 controller refusing the config.
import { buildPoolIndex, type PoolIndex } from '../addresses.js';
import { indexNamespaces, type PoolView } from '../diagnose/pools.js';
import { annotation, isServedByMetallb, viewService, type ServiceIp, type ServiceView } from '../diagnose/services.js';
import { atLeast, GATES, parseMetallbVersion } from '../diagnose/version.js';
import type { ClusterSnapshot } from '../snapshot.js';
import { announcedPools, poolViewsOf } from './config-objects.js';
import type { ConfigDiff } from './diff.js';
import { projectAllocations, type ProjectedService } from './project.js';
import type { ConfigObject, PlanRefusal, PlanTarget, ServiceImpact, ServiceOutcome } from './types.js';

/** What the impact is computed from. */
export interface ImpactInput {
  snapshot: ClusterSnapshot;
  live: readonly ConfigObject[];
  diff: ConfigDiff;
  target: PlanTarget;
  allowIpChanges: boolean;
}

/** The impact, its refusals, and what the ordering and the projected diagnosis need. */
export interface ImpactAssessment {
  impact: ServiceImpact[];
  refusals: PlanRefusal[];
  unannouncedPools: string[];
  projected: Map<string, ProjectedService>;
  /** Served Services as they are now. */
  services: ServiceView[];
  /** Pools as they are now (live config). */
  livePools: PoolView[];
  /** Which live pool holds an IP now (null: none). */
  previousPool: (ip: ServiceIp) => string | null;
}

function outcomeOf(before: readonly string[], projected: ProjectedService): ServiceOutcome {
  if (before.length === 0) return projected.after.length > 0 ? 'gets' : 'stays-pending';
  if (projected.kept) return 'keeps';
  return projected.after.length === 0 ? 'loses' : 'changes';
}

const servicesText = (count: number): string => `${count} Service${count === 1 ? '' : 's'}`;

const isMoved = (impact: ServiceImpact): boolean => impact.outcome === 'changes' || impact.outcome === 'loses';

function previousPoolOf(index: PoolIndex): (ip: ServiceIp) => string | null {
  return (ip) => index.lookupParsed(ip.family, ip.value).pools[0] ?? null;
}

// A <= v0.13 controller refuses the whole config (fail-static) when an assigned IP would leave every pool.
function failsStatic(target: PlanTarget, services: readonly ServiceView[], pools: readonly PoolView[]): ServiceView[] {
  if (atLeast(parseMetallbVersion(target.metallbVersion), GATES.reassignsOrphans) !== false) return [];
  const index = buildPoolIndex(pools.filter((pool) => pool.error === null));
  return services.filter((view) => view.ips.some((ip) => index.lookupParsed(ip.family, ip.value).pools.length === 0));
}

const leavesEveryPool = (reason: string): boolean => reason.startsWith('no pool covers');

function impactOf(view: ServiceView, projected: ProjectedService, refusedByController: boolean): ServiceImpact {
  const before = view.ips.map((ip) => ip.text);
  const base = { namespace: view.namespace, name: view.name, before };
  if (refusedByController)
    return {
      ...base,
      after: before,
      outcome: 'keeps',
      reason:
        `a <= v0.13 controller refuses the whole config (fail-static), so ${before.join(', ')} stays; ` +
        `v0.14+ would instead: ${projected.reason}`,
    };
  const outcome = outcomeOf(before, projected);
  const note =
    isMoved({ ...base, after: projected.after, outcome, reason: '' }) && leavesEveryPool(projected.reason)
      ? ' (v0.14+ clears and reassigns; a <= v0.13 controller would refuse the whole config instead)'
      : '';
  return { ...base, after: projected.after, outcome, reason: `${projected.reason}${note}` };
}

function ipChangeRefusals(impact: readonly ServiceImpact[], allowIpChanges: boolean): PlanRefusal[] {
  const moved = impact.filter(isMoved);
  if (allowIpChanges || moved.length === 0) return [];
  return [
    {
      rule: 'ip-changes',
      message:
        `${servicesText(moved.length)} would lose or change ${moved.length === 1 ? 'its' : 'their'} ` +
        'IP; re-run with --allow-ip-changes to accept it (each is listed with its expected new IP)',
      services: moved,
    },
  ];
}

function deletedPoolRefusals(
  input: ImpactInput,
  impact: readonly ServiceImpact[],
  assessment: Pick<ImpactAssessment, 'services' | 'previousPool'>,
): PlanRefusal[] {
  if (input.allowIpChanges) return [];
  const byKey = new Map(impact.map((entry) => [`${entry.namespace}/${entry.name}`, entry]));
  // Services by the pool holding their IPs today, built once (no loop over pools × Services).
  const holdersOf = new Map<string, Set<string>>();
  for (const view of assessment.services)
    for (const pool of view.ips.map(assessment.previousPool))
      if (pool !== null) holdersOf.set(pool, (holdersOf.get(pool) ?? new Set()).add(view.key));
  return input.diff.deletes
    .filter((object) => object.kind === 'IPAddressPool')
    .flatMap((object) => {
      const hurt = [...(holdersOf.get(object.name) ?? [])].map((key) => byKey.get(key)!).filter(isMoved);
      if (hurt.length === 0) return [];
      return [
        {
          rule: 'pool-in-use-deleted',
          message:
            `IPAddressPool "${object.name}" is deleted while ${servicesText(hurt.length)} hold IPs ` +
            'from it that no remaining pool keeps; they would lose or change them (--allow-ip-changes accepts this)',
          services: hurt,
        },
      ];
    });
}

interface Announcement {
  unannouncedPools: string[];
  refusals: PlanRefusal[];
}

// A pool in use that was announced before and no advertisement announces afterwards: refused, always.
function announcement(
  input: ImpactInput,
  assessment: Pick<ImpactAssessment, 'projected' | 'previousPool'>,
  impact: readonly ServiceImpact[],
): Announcement {
  const [before, after] = [announcedPools(input.live), announcedPools(input.diff.resulting)];
  const holders = new Map<string, ServiceImpact[]>();
  const wasAnnounced = new Set<string>();
  const byKey = new Map(impact.map((entry) => [`${entry.namespace}/${entry.name}`, entry]));
  for (const projected of assessment.projected.values()) {
    if (projected.pool === null || after.has(projected.pool)) continue;
    holders.set(projected.pool, [...(holders.get(projected.pool) ?? []), byKey.get(projected.view.key)!]);
    const old = projected.view.ips.map(assessment.previousPool).find((name) => name !== null);
    if (old && before.has(old)) wasAnnounced.add(projected.pool);
  }
  const refusals = [...wasAnnounced].sort().map((pool) => ({
    rule: 'last-advertisement-removed',
    message:
      `IPAddressPool "${pool}" holds IPs of ${holders.get(pool)!.length} Service(s) that are announced today, and no ` +
      'L2Advertisement or BGPAdvertisement would announce it: keep an advertisement selecting it',
    services: holders.get(pool)!,
  }));
  return { unannouncedPools: [...holders.keys()].sort(), refusals };
}

function controllerRefusal(refused: readonly ServiceView[], projected: Map<string, ProjectedService>): PlanRefusal[] {
  if (refused.length === 0) return [];
  return [
    {
      rule: 'controller-refuses-config',
      message:
        `a <= v0.13 controller refuses this whole config (fail-static: stale, the old pools stay in force) while ` +
        `${refused.length} Service(s) hold IPs no new pool covers; move those Services first (listed with what ` +
        'v0.14+ would give them)',
      services: refused.map((view) => impactOf(view, projected.get(view.key)!, false)),
    },
  ];
}

/** Projects the change onto every served Service and derives the refusals. */
export function assessImpact(input: ImpactInput): ImpactAssessment {
  const { snapshot } = input;
  const namespaces = indexNamespaces(snapshot.namespaces);
  const livePools = poolViewsOf(input.live, namespaces);
  const previousIndex = buildPoolIndex(livePools.filter((pool) => pool.error === null));
  const fromIndex = previousPoolOf(previousIndex);
  const previousPool = (ip: ServiceIp): string | null => fromIndex(ip);
  const services = snapshot.services.filter((s) => isServedByMetallb(s, snapshot.lbClass)).map(viewService);
  const pools = poolViewsOf(input.diff.resulting, namespaces);
  const projected = projectAllocations({
    services,
    pools,
    // An IP already outside every pool: the managed annotation still names the pool it came from.
    previousPool: (ip, view) => previousPool(ip) ?? (annotation(view.service, 'ip-allocated-from-pool') || null),
  });
  const refused = new Set(failsStatic(input.target, services, pools).map((view) => view.key));
  const impact = services.map((view) => impactOf(view, projected.get(view.key)!, refused.has(view.key)));
  const context = { services, previousPool, projected };
  const { unannouncedPools, refusals: announceRefusals } = announcement(input, context, impact);
  const refusals = [
    ...controllerRefusal(
      services.filter((view) => refused.has(view.key)),
      projected,
    ),
    ...ipChangeRefusals(impact, input.allowIpChanges),
    ...deletedPoolRefusals(input, impact, context),
    ...announceRefusals,
  ];
  return { impact, refusals, unannouncedPools, projected, services, livePools, previousPool };
}
