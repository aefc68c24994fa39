// Check 9: per-pool usage per family (bigint: an IPv6 /64 exceeds 2^53), exhaustion and near
// exhaustion. Usage = distinct ingress IPs of served Services that the index maps to the pool.
import type { DiagnoseContext, Rule } from './context.js';
import { findingsOf } from './finding.js';
import { editPoolCommand, manualFix } from './fixes.js';
import { poolRef, type PoolView } from './pools.js';
import type { Finding, PoolCapacityRow } from './report.js';
import { annotation } from './services.js';

const finding = findingsOf('capacity');

export const NEARLY_FULL_PERCENT = 90;

/** Percent with one decimal, computed in bigint so huge pools do not lose precision first. */
export function usedPercent(used: bigint, capacity: bigint): number {
  return capacity === 0n ? 0 : Number((used * 1000n) / capacity) / 10;
}

function rowsFor(ctx: DiagnoseContext, pool: PoolView): PoolCapacityRow[] {
  const usage = ctx.usage.get(pool.name);
  const families = [
    { family: 'IPv4' as const, capacity: pool.capacity.ipv4, used: BigInt(usage?.ipv4.size ?? 0) },
    { family: 'IPv6' as const, capacity: pool.capacity.ipv6, used: BigInt(usage?.ipv6.size ?? 0) },
  ];
  return families
    .filter((f) => f.capacity > 0n)
    .map((f) => ({
      pool: pool.name,
      namespace: pool.namespace,
      family: f.family,
      capacity: f.capacity.toString(),
      used: f.used.toString(),
      available: (f.capacity - f.used).toString(),
      usedPercent: usedPercent(f.used, f.capacity),
      autoAssign: pool.autoAssign,
    }));
}

/** Per pool and family, for the report's capacity table (pools that parse only). */
export function poolCapacityRows(ctx: DiagnoseContext): PoolCapacityRow[] {
  return ctx.pools.filter((p) => p.error === null).flatMap((p) => rowsFor(ctx, p));
}

interface PendingDemand {
  byPool: Map<string, number>;
  /** Pending Services that name no pool: any auto-assign pool could serve them. */
  anyPool: number;
}

function pendingDemand(ctx: DiagnoseContext): PendingDemand {
  const byPool = new Map<string, number>();
  let anyPool = 0;
  for (const view of ctx.pending) {
    const desired = annotation(view.service, 'address-pool');
    if (desired) byPool.set(desired, (byPool.get(desired) ?? 0) + 1);
    else anyPool++;
  }
  return { byPool, anyPool };
}

function rowFinding(ctx: DiagnoseContext, pool: PoolView, row: PoolCapacityRow, demand: PendingDemand): Finding[] {
  const full = BigInt(row.used) >= BigInt(row.capacity);
  if (!full && row.usedPercent < NEARLY_FULL_PERCENT) return [];
  const waiting = (demand.byPool.get(pool.name) ?? 0) + (pool.autoAssign ? demand.anyPool : 0);
  const counts = `${row.used} of ${row.capacity} ${row.family} addresses in use`;
  const common = {
    objects: [poolRef(pool)],
    fix: manualFix(
      editPoolCommand(ctx.namespace, pool.name),
      'Add addresses to spec.addresses (not overlapping other pools), or delete LoadBalancer Services nobody uses.',
    ),
    data: {
      family: row.family,
      used: row.used,
      capacity: row.capacity,
      usedPercent: row.usedPercent,
      pendingServices: waiting,
    },
  };
  if (!full) {
    const title = `IPAddressPool ${pool.name} is ${row.usedPercent}% used (${counts})`;
    const detail = `At or above ${NEARLY_FULL_PERCENT}% the next few Services may not get an IP.`;
    return [finding({ id: 'pool-nearly-exhausted', severity: 'warning', title, detail, ...common })];
  }
  return [
    finding({
      id: 'pool-exhausted',
      severity: waiting > 0 ? 'error' : 'warning',
      title: `IPAddressPool ${pool.name} is exhausted: ${counts}${waiting > 0 ? `, and ${waiting} Service(s) are pending` : ''}`,
      detail:
        'New Services (or Services whose IP is cleared) get "no available IPs" (AllocationFailed) until addresses are added or freed.',
      ...common,
    }),
  ];
}

function noPools(ctx: DiagnoseContext): Finding[] {
  if (ctx.pools.length > 0) return [];
  const served = ctx.services.length;
  const ns = ctx.namespace ?? 'metallb-system';
  const effect = served > 0 ? `: none of the ${served} LoadBalancer Service(s) MetalLB serves can get an IP` : '';
  return [
    finding({
      id: 'no-pools',
      severity: served > 0 ? 'error' : 'warning',
      title: `No IPAddressPool exists in ${ns}${effect}`,
      detail:
        'With no pools MetalLB removes the IP of every LoadBalancer Service it serves and logs it only at debug level (issue #2887).',
      fix: manualFix(
        `kubectl -n ${ns} get ipaddresspools,l2advertisements,bgpadvertisements`,
        'Create an IPAddressPool and an L2Advertisement or BGPAdvertisement for it.',
      ),
    }),
  ];
}

export const findCapacityProblems: Rule = (ctx) => {
  const demand = pendingDemand(ctx);
  const valid = ctx.pools.filter((p) => p.error === null);
  return [
    ...noPools(ctx),
    ...valid.flatMap((pool) => rowsFor(ctx, pool).flatMap((row) => rowFinding(ctx, pool, row, demand))),
  ];
};
