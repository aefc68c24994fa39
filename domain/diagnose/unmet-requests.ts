// Check 2: what Services ask MetalLB for (IPs, pools, sharing) that the current config cannot give.
import { goList, judgeOrphan, type OrphanVerdict, type RequestProblem } from '../orphans.js';
import type { DiagnoseContext, Rule } from './context.js';
import { findingsOf, type FindingInput } from './finding.js';
import { cleanupOrphansFix } from './fixes.js';
import { poolRef } from './pools.js';
import type { Finding } from './report.js';
import { listText, NEW_PREFIX, OLD_PREFIX, serviceRef, type ServiceView } from './services.js';
import { atLeast, GATES } from './version.js';

const finding = findingsOf('unmet-requests');

/** Every unmet request is an error on the Service, fixed by dropping what cannot be met. */
function unmet(
  view: ServiceView,
  f: Omit<FindingInput, 'severity'> & { severity?: FindingInput['severity'] },
): Finding {
  return finding({
    severity: 'error',
    objects: [serviceRef(view)],
    fix: cleanupOrphansFix(
      view.key,
      `Removes the request MetalLB cannot meet from ${view.key} (and any IP it no longer owns) so it allocates ` +
        `from the ` +
        'current pools; change the request instead if the Service needs that exact address.',
    ),
    ...f,
  });
}

// ---------------------------------------------------------------------------------------------
// Requested IPs: the problems domain/orphans.ts finds, in words

function requestError(view: ServiceView, problem: RequestProblem): Finding {
  const error = problem.error ?? '';
  return unmet(view, {
    id: problem.id,
    title:
      problem.id === 'requested-ip-both-fields'
        ? `Service ${view.key} sets both spec.loadBalancerIP and the loadBalancerIPs annotation, so MetalLB ` +
          `assigns nothing`
        : `Service ${view.key} requests an IP MetalLB cannot parse: ${error}`,
    detail: `MetalLB rejects the request with: ${error} (Warning event LoadBalancerFailed/AllocationFailed).`,
    data: { error },
  });
}

function outsidePools(ctx: DiagnoseContext, view: ServiceView, problem: RequestProblem): Finding {
  const texts = problem.requested;
  const lookups = texts.map((ip) => ctx.index.lookupDetailed(ip) ?? { pools: [], excludedByAvoidBuggyIps: [] });
  const excluded = lookups.flatMap((lookup) => lookup.excludedByAvoidBuggyIps);
  const inSome = lookups.every((lookup) => lookup.pools.length > 0);
  const why = inSome
    ? ' (no single pool contains all of them)'
    : excluded.length > 0
      ? ` (pool ${excluded[0]} skips .0/.255 addresses: avoidBuggyIPs)`
      : '';
  return unmet(view, {
    id: problem.id,
    title: `Service ${view.key} requests ${listText(texts)} (${problem.field}), which is in no IPAddressPool${why}`,
    detail:
      `MetalLB answers: ${goList(texts)} is not allowed in config, and the Service does not get that IP. ` +
      'Add the address to a pool or change the request.',
    data: { requested: texts, field: problem.field },
  });
}

function poolExcludes(ctx: DiagnoseContext, view: ServiceView, problem: RequestProblem): Finding {
  const pool = ctx.poolsByName.get(problem.pool ?? '');
  return unmet(view, {
    id: problem.id,
    title:
      `Service ${view.key} requests ${listText(problem.requested)} from pool ${problem.pool}, ` +
      'whose serviceAllocation excludes this Service',
    detail: `MetalLB answers: pool ${problem.pool} not compatible for ip assignment.`,
    objects: [serviceRef(view), ...(pool ? [poolRef(pool)] : [])],
    data: { requested: problem.requested, pool: problem.pool ?? null },
  });
}

function poolMismatch(view: ServiceView, problem: RequestProblem): Finding {
  const texts = problem.requested;
  return unmet(view, {
    id: problem.id,
    title:
      `Service ${view.key} requests ${listText(texts)}, which is in pool ${problem.pool}, ` +
      `but also asks for pool ${problem.requestedPool}`,
    detail:
      `MetalLB answers: requested loadBalancer IP(s) ${goList(texts)} is not compatible with requested ` +
      `address pool ${problem.requestedPool}.`,
    data: { requested: texts, pool: problem.pool ?? null, requestedPool: problem.requestedPool ?? null },
  });
}

function inUse(view: ServiceView, problem: RequestProblem): Finding {
  const holder = problem.holder!;
  const [ip] = problem.requested;
  return unmet(view, {
    id: problem.id,
    title: `Service ${view.key} requests ${ip}, which Service ${holder.key} already holds and cannot share`,
    detail: `MetalLB refuses to share it: ${problem.conflict}.`,
    objects: [serviceRef(view), serviceRef(holder)],
    data: { ip: ip ?? null, holder: holder.key, reason: problem.conflict ?? null },
  });
}

function requestFinding(ctx: DiagnoseContext, view: ServiceView, problem: RequestProblem): Finding {
  switch (problem.id) {
    case 'requested-ip-invalid':
    case 'requested-ip-both-fields':
      return requestError(view, problem);
    case 'requested-ip-outside-pools':
      return outsidePools(ctx, view, problem);
    case 'requested-ip-pool-excludes-service':
      return poolExcludes(ctx, view, problem);
    case 'requested-ip-pool-mismatch':
      return poolMismatch(view, problem);
    case 'requested-ip-in-use':
      return inUse(view, problem);
  }
}

// ---------------------------------------------------------------------------------------------
// Pool annotations

function missingPool(view: ServiceView, verdict: OrphanVerdict): Finding[] {
  const missing = verdict.missingPool;
  if (missing === null) return [];
  const holds =
    view.ips.length > 0
      ? ' If it still holds an IP from another pool, the controller clears it and the Service goes pending.'
      : '';
  return [
    unmet(view, {
      id: 'address-pool-missing',
      title: `Service ${view.key} asks for pool ${missing.pool} (${missing.key}), which does not exist`,
      detail:
        `MetalLB fails the allocation with: unknown pool ${JSON.stringify(missing.pool)} (Warning event ` +
        `AllocationFailed).${holds}`,
      data: { requestedPool: missing.pool, annotation: missing.key },
    }),
  ];
}

function staleDeprecatedPoolAnnotation(ctx: DiagnoseContext, view: ServiceView, verdict: OrphanVerdict): Finding[] {
  const stale = verdict.staleLegacyPool;
  // An orphaned Service already gets a finding whose fix also clears this annotation.
  if (stale === null || verdict.orphanedIps.length > 0) return [];
  const events = (ctx.serviceEvents.get(view.key) ?? []).filter((e) => e.reason === 'deprecatedAnnotation');
  const modern = atLeast(ctx.version, GATES.newAnnotationPrefix) !== false;
  const why = modern
    ? 'MetalLB >= 0.14.9 writes metallb.io/ip-allocated-from-pool and never removes the old-prefix key (issue ' +
      '#2642); ' +
      'every time the controller updates this Service it logs event=deprecatedAnnotation and emits a ' +
      'deprecatedAnnotation Warning event.'
    : 'MetalLB < 0.14.9 manages this annotation and rewrites it when it next converges the Service; ' +
      'a value naming a deleted pool means the controller has not re-processed the Service since.';
  return [
    unmet(view, {
      id: 'deprecated-pool-annotation-stale',
      severity: 'warning',
      title: `Service ${view.key} carries ${stale.key}=${stale.pool}, naming a pool that no longer exists`,
      detail: `${why} Warning events seen: ${events.reduce((n, e) => n + e.count, 0)}.`,
      data: { annotation: stale.key, pool: stale.pool },
    }),
  ];
}

// ---------------------------------------------------------------------------------------------
// Shared IPs

// Two Services holding one IP without agreeing to share it (can follow a restart, issue #1591).
function incompatibleSharers(view: ServiceView, verdict: OrphanVerdict): Finding[] {
  return verdict.sharingConflicts.map(({ ip, holder, reason }) =>
    unmet(view, {
      id: 'ip-shared-without-agreement',
      title: `Services ${holder.key} and ${view.key} both hold ${ip} but are not allowed to share it`,
      detail: `MetalLB would refuse this pair: ${reason}.`,
      objects: [serviceRef(holder), serviceRef(view)],
      data: { ip, services: [holder.key, view.key], reason },
    }),
  );
}

function serviceFindings(ctx: DiagnoseContext, view: ServiceView): Finding[] {
  const verdict = judgeOrphan(ctx, view);
  return [
    ...verdict.requestProblems.map((problem) => requestFinding(ctx, view, problem)),
    ...missingPool(view, verdict),
    ...staleDeprecatedPoolAnnotation(ctx, view, verdict),
    ...incompatibleSharers(view, verdict),
  ];
}

function deprecatedAnnotationsInUse(ctx: DiagnoseContext): Finding[] {
  if (atLeast(ctx.version, GATES.newAnnotationPrefix) === false) return [];
  const isOld = (key: string) => key.startsWith(OLD_PREFIX) && key !== `${OLD_PREFIX}ip-allocated-from-pool`;
  const users = ctx.services.filter((v) => Object.keys(v.service.metadata.annotations ?? {}).some(isOld));
  if (users.length === 0) return [];
  const one = users.length === 1;
  return [
    finding({
      id: 'deprecated-annotations-in-use',
      severity: 'info',
      title: `${users.length} Service${one ? ' uses' : 's use'} deprecated ${OLD_PREFIX}* annotations`,
      detail:
        `Since v0.14.9 MetalLB reads the ${NEW_PREFIX}* keys first and emits deprecatedAnnotation Warning ` +
        `events for the ` +
        `old prefix. Rename the keys to ${NEW_PREFIX}*.`,
      objects: users.map(serviceRef),
    }),
  ];
}

export const findUnmetServiceRequests: Rule = (ctx) => [
  ...ctx.services.flatMap((view) => serviceFindings(ctx, view)),
  ...deprecatedAnnotationsInUse(ctx),
];
