// Check 2: what Services ask MetalLB for (IPs, pools, sharing) that the current config cannot give.
import type { DiagnoseContext, Rule } from './context.js';
import { cleanupOrphansFix } from './fixes.js';
import { judgeServiceIps } from './orphaned-ips.js';
import { poolAllowsService, poolRef } from './pools.js';
import type { Finding, ObjectRef } from './report.js';
import {
  annotation,
  annotationKey,
  listText,
  NEW_PREFIX,
  OLD_PREFIX,
  parseServiceIp,
  serviceRef,
  sharingConflict,
  type ServiceIp,
  type ServiceView,
} from './services.js';
import { atLeast, GATES } from './version.js';

interface Requested {
  ips: ServiceIp[];
  /** Field the request came from, for messages. */
  field: string;
}

const goList = (items: readonly string[]): string => `[${items.map((i) => JSON.stringify(i)).join(' ')}]`;

function unmet(view: ServiceView, id: string, title: string, detail: string, extra: Partial<Finding> = {}): Finding {
  return {
    id,
    check: 'unmet-requests',
    severity: 'error',
    title,
    detail,
    objects: [serviceRef(view)],
    fix: cleanupOrphansFix(
      view.key,
      `Removes the request MetalLB cannot meet from ${view.key} (and any IP it no longer owns) so it allocates from the current pools; change the request instead if the Service needs that exact address.`,
    ),
    ...extra,
  };
}

// getDesiredLbIPs + ipfamily.ForAddresses, with MetalLB's messages.
function parseAnnotationIps(value: string, field: string): Requested | { error: string } {
  const parts = value.split(',').map((p) => p.trim());
  const ips = parts.map(parseServiceIp);
  if (ips.some((ip) => ip === null)) return { error: `invalid ${field}: ${JSON.stringify(value)}` };
  const valid = ips as ServiceIp[];
  if (valid.length > 2) return { error: `IPFamilyForAddresses: invalid ips length ${valid.length} ${goList(parts)}` };
  if (valid.length === 2 && valid[0]!.family === valid[1]!.family) {
    return { error: `IPFamilyForAddresses: same address family ${goList(parts)}` };
  }
  return { ips: valid, field };
}

function readRequest(view: ServiceView): Requested | { error: string; id: string } | null {
  const lbIp = view.service.spec?.loadBalancerIP ?? '';
  const value = annotation(view.service, 'loadBalancerIPs') ?? '';
  const field = annotationKey(view.service, 'loadBalancerIPs');
  if (lbIp === '' && value === '') return null;
  if (lbIp !== '' && value !== '') {
    return { id: 'requested-ip-both-fields', error: `service can not have both ${NEW_PREFIX}loadBalancerIPs and svc.Spec.LoadBalancerIP` };
  }
  if (value !== '') {
    const parsed = parseAnnotationIps(value, field);
    return 'error' in parsed ? { ...parsed, id: 'requested-ip-invalid' } : parsed;
  }
  const ip = parseServiceIp(lbIp);
  return ip === null ? { id: 'requested-ip-invalid', error: `invalid spec.loadBalancerIP ${JSON.stringify(lbIp)}` } : { ips: [ip], field: 'spec.loadBalancerIP' };
}

function requestError(view: ServiceView, id: string, error: string): Finding {
  const title =
    id === 'requested-ip-both-fields'
      ? `Service ${view.key} sets both spec.loadBalancerIP and the loadBalancerIPs annotation, so MetalLB assigns nothing`
      : `Service ${view.key} requests an IP MetalLB cannot parse: ${error}`;
  return unmet(view, id, title, `MetalLB rejects the request with: ${error} (Warning event LoadBalancerFailed/AllocationFailed).`, {
    data: { error },
  });
}

function outsidePools(ctx: DiagnoseContext, view: ServiceView, req: Requested): Finding {
  const excluded = req.ips.flatMap((ip) => ctx.index.lookupDetailed(ip.canonical)?.excludedByAvoidBuggyIps ?? []);
  const inSome = req.ips.every((ip) => ctx.index.poolsContaining(ip.canonical).length > 0);
  const why = inSome
    ? ' (no single pool contains all of them)'
    : excluded.length > 0
      ? ` (pool ${excluded[0]} skips .0/.255 addresses: avoidBuggyIPs)`
      : '';
  const ips = listText(req.ips.map((ip) => ip.text));
  return unmet(
    view,
    'requested-ip-outside-pools',
    `Service ${view.key} requests ${ips} (${req.field}), which is in no IPAddressPool${why}`,
    `MetalLB answers: ${goList(req.ips.map((i) => i.text))} is not allowed in config, and the Service does not get that IP. ` +
      'Add the address to a pool or change the request.',
    { data: { requested: req.ips.map((i) => i.text), field: req.field } },
  );
}

function poolProblems(ctx: DiagnoseContext, view: ServiceView, req: Requested, poolName: string): Finding[] {
  const pool = ctx.poolsByName.get(poolName);
  if (pool === undefined) return [];
  const ips = listText(req.ips.map((ip) => ip.text));
  const data = { requested: req.ips.map((i) => i.text), pool: poolName };
  if (poolAllowsService(pool, view) === false) {
    const title = `Service ${view.key} requests ${ips} from pool ${poolName}, whose serviceAllocation excludes this Service`;
    return [unmet(view, 'requested-ip-pool-excludes-service', title, `MetalLB answers: pool ${poolName} not compatible for ip assignment.`, { objects: [serviceRef(view), poolRef(pool)], data })];
  }
  const desired = annotation(view.service, 'address-pool');
  if (!desired || desired === poolName || !ctx.poolsByName.has(desired)) return [];
  const title = `Service ${view.key} requests ${ips}, which is in pool ${poolName}, but also asks for pool ${desired}`;
  const detail = `MetalLB answers: requested loadBalancer IP(s) ${goList(data.requested)} is not compatible with requested address pool ${desired}.`;
  return [unmet(view, 'requested-ip-pool-mismatch', title, detail, { data: { ...data, requestedPool: desired } })];
}

function inUseByOthers(ctx: DiagnoseContext, view: ServiceView, req: Requested): Finding[] {
  return req.ips.flatMap((ip) => {
    if (view.ips.some((own) => own.canonical === ip.canonical)) return [];
    const holder = (ctx.ipHolders.get(ip.canonical) ?? []).find((h) => h.key !== view.key);
    const conflict = holder === undefined ? null : sharingConflict(holder.service, view.service);
    if (holder === undefined || conflict === null) return [];
    const title = `Service ${view.key} requests ${ip.text}, which Service ${holder.key} already holds and cannot share`;
    const objects: ObjectRef[] = [serviceRef(view), serviceRef(holder)];
    return [unmet(view, 'requested-ip-in-use', title, `MetalLB refuses to share it: ${conflict}.`, { objects, data: { ip: ip.text, holder: holder.key, reason: conflict } })];
  });
}

function requestedIpFindings(ctx: DiagnoseContext, view: ServiceView): Finding[] {
  const req = readRequest(view);
  if (req === null) return [];
  if ('error' in req) return [requestError(view, req.id, req.error)];
  const lists = req.ips.map((ip) => ctx.index.poolsContaining(ip.canonical));
  const [common] = lists.reduce((acc, list) => acc.filter((name) => list.includes(name)));
  if (common === undefined) return [outsidePools(ctx, view, req)];
  return [...poolProblems(ctx, view, req, common), ...inUseByOthers(ctx, view, req)];
}

function missingPool(ctx: DiagnoseContext, view: ServiceView): Finding[] {
  const desired = annotation(view.service, 'address-pool');
  if (!desired || ctx.poolsByName.has(desired)) return [];
  const key = annotationKey(view.service, 'address-pool');
  const holds = view.ips.length > 0 ? ' If it still holds an IP from another pool, the controller clears it and the Service goes pending.' : '';
  return [
    unmet(
      view,
      'address-pool-missing',
      `Service ${view.key} asks for pool ${desired} (${key}), which does not exist`,
      `MetalLB fails the allocation with: unknown pool ${JSON.stringify(desired)} (Warning event AllocationFailed).${holds}`,
      { data: { requestedPool: desired, annotation: key } },
    ),
  ];
}

function staleDeprecatedPoolAnnotation(ctx: DiagnoseContext, view: ServiceView): Finding[] {
  const value = view.service.metadata.annotations?.[`${OLD_PREFIX}ip-allocated-from-pool`];
  if (!value || ctx.poolsByName.has(value) || judgeServiceIps(ctx, view).orphans.length > 0) return [];
  const events = (ctx.serviceEvents.get(view.key) ?? []).filter((e) => e.reason === 'deprecatedAnnotation');
  const modern = atLeast(ctx.version, GATES.newAnnotationPrefix) !== false;
  const detail = modern
    ? 'MetalLB >= 0.14.9 writes metallb.io/ip-allocated-from-pool and never removes the old-prefix key (issue #2642); ' +
      'every time the controller updates this Service it logs event=deprecatedAnnotation and emits a deprecatedAnnotation Warning event.'
    : 'MetalLB < 0.14.9 manages this annotation and rewrites it when it next converges the Service; ' +
      'a value naming a deleted pool means the controller has not re-processed the Service since.';
  const finding = unmet(
    view,
    'deprecated-pool-annotation-stale',
    `Service ${view.key} carries ${OLD_PREFIX}ip-allocated-from-pool=${value}, naming a pool that no longer exists`,
    `${detail} Warning events seen: ${events.reduce((n, e) => n + e.count, 0)}.`,
    { data: { annotation: `${OLD_PREFIX}ip-allocated-from-pool`, pool: value } },
  );
  return [{ ...finding, severity: 'warning' }];
}

// Two Services holding one IP without agreeing to share it (can follow a restart, issue #1591).
function incompatibleSharers(ctx: DiagnoseContext): Finding[] {
  const findings: Finding[] = [];
  const reported = new Set<string>();
  for (const [ip, holders] of ctx.ipHolders) {
    const [first, ...others] = holders;
    for (const other of others) {
      const conflict = first === undefined ? null : sharingConflict(first.service, other.service);
      const pair = `${first?.key}|${other.key}`;
      if (first === undefined || conflict === null || reported.has(pair)) continue;
      reported.add(pair);
      const title = `Services ${first.key} and ${other.key} both hold ${ip} but are not allowed to share it`;
      findings.push(unmet(other, 'ip-shared-without-agreement', title, `MetalLB would refuse this pair: ${conflict}.`, { objects: [serviceRef(first), serviceRef(other)], data: { ip, services: [first.key, other.key], reason: conflict } }));
    }
  }
  return findings;
}

function deprecatedAnnotationsInUse(ctx: DiagnoseContext): Finding[] {
  if (atLeast(ctx.version, GATES.newAnnotationPrefix) === false) return [];
  const users = ctx.services.filter((v) =>
    Object.keys(v.service.metadata.annotations ?? {}).some((k) => k.startsWith(OLD_PREFIX) && k !== `${OLD_PREFIX}ip-allocated-from-pool`),
  );
  if (users.length === 0) return [];
  return [
    {
      id: 'deprecated-annotations-in-use',
      check: 'unmet-requests',
      severity: 'info',
      title: `${users.length} Service${users.length === 1 ? '' : 's'} use${users.length === 1 ? 's' : ''} deprecated ${OLD_PREFIX}* annotations`,
      detail: `Since v0.14.9 MetalLB reads the ${NEW_PREFIX}* keys first and emits deprecatedAnnotation Warning events for the old prefix. Rename the keys to ${NEW_PREFIX}*.`,
      objects: users.map(serviceRef),
      fix: null,
    },
  ];
}

export const findUnmetServiceRequests: Rule = (ctx) => [
  ...ctx.services.flatMap((view) => [
    ...requestedIpFindings(ctx, view),
    ...missingPool(ctx, view),
    ...staleDeprecatedPoolAnnotation(ctx, view),
  ]),
  ...incompatibleSharers(ctx),
  ...deprecatedAnnotationsInUse(ctx),
];
