// Check 1: Services holding IPs that no current IPAddressPool allows them to hold, and why.
import type { DiagnoseContext, Rule } from './context.js';
import { findingsOf } from './finding.js';
import { cleanupOrphansFix, restartControllerFix } from './fixes.js';
import { judgeIngress, type OrphanedIp, type OrphanReason } from '../orphans.js';
import { poolRef } from './pools.js';
import type { Finding, ObjectRef } from './report.js';
import { listText, NEW_PREFIX, serviceRef, type ServiceView } from './services.js';
import { atLeast, GATES } from './version.js';

const finding = findingsOf('orphaned-ips');

export type { OrphanReason } from '../orphans.js';

/** Every ingress IP judged (domain/orphans.ts, shared with cleanup-orphans). */
export const judgeServiceIps = judgeIngress;

function groupByReason(orphans: readonly OrphanedIp[]): OrphanedIp[][] {
  const groups = new Map<string, OrphanedIp[]>();
  for (const o of orphans) {
    const key = `${o.reason}/${o.pool ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), o]);
  }
  return [...groups.values()];
}

function titleFor(view: ServiceView, group: readonly OrphanedIp[]): string {
  const { reason, pool } = group[0]!;
  const ips = listText(group.map((o) => o.ip.text));
  const inNoPool = `Service ${view.key} holds ${ips}, which ${group.length > 1 ? 'are' : 'is'} in no IPAddressPool`;
  switch (reason) {
    case 'pool-deleted':
      return `${inNoPool} (pool ${pool} was deleted)`;
    case 'pool-narrowed':
      return `${inNoPool} (pool ${pool} was narrowed)`;
    case 'pool-invalid':
      return `${inNoPool} (pool ${pool} no longer parses)`;
    case 'avoid-buggy-ips':
      return `${inNoPool} (pool ${pool} now sets avoidBuggyIPs, which skips .0 and .255 addresses)`;
    case 'service-allocation':
      return (
        `Service ${view.key} holds ${ips} from pool ${pool}, whose serviceAllocation no longer includes ` +
        `this Service`
      );
    case 'split-across-pools':
      return (
        `Service ${view.key} holds ${ips}, which no single IPAddressPool contains (MetalLB needs all of a ` +
        `Service's IPs from one pool)`
      );
    case 'no-pool':
      return inNoPool;
  }
}

const MODERN =
  'MetalLB >= 0.14 clears an IP that is no longer allowed within seconds of the pool change and allocates a new one, ' +
  'so an orphan that persists means the controller is down, stale (its last pool config failed to parse), ' +
  'or not handling this Service (a different --lb-class, or another load-balancer implementation owns it).';

const legacy = (key: string) =>
  'MetalLB <= 0.13 is fail-static: it refuses a pool change that would orphan an assigned IP, keeps the old ' +
  'pools in force ' +
  'and retries forever, logging "applying new configuration failed" with ' +
  `"new config not compatible with assigned IPs: service \\"${key}\\" cannot own ... under new config". ` +
  'Until the IP is released, no pool change takes effect.';

function controllerHint(ctx: DiagnoseContext): string {
  if (ctx.controllerState === 'unavailable')
    return ' The controller Deployment has no available replica, which explains it.';
  if (ctx.controllerState === 'missing') return ' No MetalLB controller Deployment was found.';
  return '';
}

function persistenceText(ctx: DiagnoseContext, view: ServiceView, reason: OrphanReason): string {
  const modern = atLeast(ctx.version, GATES.reassignsOrphans);
  // serviceAllocation is only checked when a Service is re-converged, never by the fail-static SetPools.
  const failStatic = reason !== 'service-allocation';
  if (modern === true || (modern === false && !failStatic)) return MODERN + controllerHint(ctx);
  if (modern === false) return legacy(view.key) + controllerHint(ctx);
  return `MetalLB version unknown. ${MODERN} ${legacy(view.key)}${controllerHint(ctx)}`;
}

function orphanFinding(ctx: DiagnoseContext, view: ServiceView, group: readonly OrphanedIp[]): Finding {
  const { reason, pool } = group[0]!;
  const orphaned = group.map((o) => o.ip.text);
  const kept = view.ips.filter((ip) => !orphaned.includes(ip.text)).map((ip) => ip.text);
  const objects: ObjectRef[] = [serviceRef(view)];
  const existing = pool === null ? undefined : ctx.poolsByName.get(pool);
  if (existing !== undefined) objects.push(poolRef(existing));
  const keptText = kept.length > 0 ? ` It keeps ${listText(kept)}, which is still valid.` : '';
  return finding({
    id: 'orphaned-ip',
    severity: 'error',
    title: titleFor(view, group),
    detail: `${persistenceText(ctx, view, reason)}${keptText}`,
    objects,
    fix: cleanupOrphansFix(
      view.key,
      `Releases ${listText(orphaned)} on ${view.key} so MetalLB allocates from the current pools; the Service's ` +
        `external IP changes.`,
    ),
    data: { reason, pool, ips: orphaned, keptIps: kept, metallbVersion: ctx.snapshot.metallbVersion },
  });
}

// The metallb.io annotation is rewritten on every convergence; a wrong value means no convergence since.
function staleAllocationAnnotation(ctx: DiagnoseContext, view: ServiceView, commonPools: readonly string[]): Finding[] {
  const from = view.service.metadata.annotations?.[`${NEW_PREFIX}ip-allocated-from-pool`];
  if (!from || commonPools.length === 0 || commonPools.includes(from)) return [];
  const state = ctx.poolsByName.has(from) ? 'a different pool' : 'a pool that no longer exists';
  const ips = listText(view.ips.map((ip) => ip.text));
  return [
    finding({
      id: 'allocated-pool-annotation-stale',
      severity: 'warning',
      title:
        `Service ${view.key} is annotated as allocated from pool ${from} (${state}), but ${ips} is in pool ` +
        `${commonPools[0]}`,
      detail:
        'The controller rewrites metallb.io/ip-allocated-from-pool every time it converges a Service, so a ' +
        'stale value ' +
        'means it has not re-processed this Service since the pools changed (controller down or stale).' +
        controllerHint(ctx),
      objects: [serviceRef(view)],
      fix: restartControllerFix(
        'A restarted controller re-processes every Service and rewrites the annotation; IPs do not change.',
      ),
      data: { annotatedPool: from, actualPools: [...commonPools], ips: view.ips.map((ip) => ip.text) },
    }),
  ];
}

export const findOrphanedServiceIps: Rule = (ctx) =>
  ctx.services.flatMap((view) => {
    const { orphans, commonPools } = judgeServiceIps(ctx, view);
    if (orphans.length === 0) return staleAllocationAnnotation(ctx, view, commonPools);
    return groupByReason(orphans).map((group) => orphanFinding(ctx, view, group));
  });
