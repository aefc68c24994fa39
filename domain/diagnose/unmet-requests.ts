// Check 2: what Services ask MetalLB for (IPs, pools, sharing) that the current config cannot give.
import type { DiagnoseContext, Rule } from './context.js';
import { findingsOf, type FindingInput } from './finding.js';
import { cleanupOrphansFix } from './fixes.js';
import { judgeServiceIps } from './orphaned-ips.js';
import { poolAllowsService, poolRef } from './pools.js';
import type { Finding } from './report.js';
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

const finding = findingsOf('unmet-requests');

interface Requested {
  ips: ServiceIp[];
  /** Field the request came from, for messages. */
  field: string;
}

type RequestError = { id: string; error: string };

/** Go's %q of a string slice: ["a" "b"]. */
const goList = (items: readonly string[]): string => `[${items.map((i) => JSON.stringify(i)).join(' ')}]`;

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
      `Removes the request MetalLB cannot meet from ${view.key} (and any IP it no longer owns) so it allocates from the ` +
        'current pools; change the request instead if the Service needs that exact address.',
    ),
    ...f,
  });
}

// ---------------------------------------------------------------------------------------------
// Requested IPs (getDesiredLbIPs, ipfamily.ForAddresses, Assign)

function parseAnnotationIps(value: string, field: string): Requested | RequestError {
  const parts = value.split(',').map((p) => p.trim());
  const ips = parts.map(parseServiceIp);
  const invalid = (error: string): RequestError => ({ id: 'requested-ip-invalid', error });
  if (ips.some((ip) => ip === null)) return invalid(`invalid ${field}: ${JSON.stringify(value)}`);
  const valid = ips as ServiceIp[];
  if (valid.length > 2) return invalid(`IPFamilyForAddresses: invalid ips length ${valid.length} ${goList(parts)}`);
  if (valid.length === 2 && valid[0]!.family === valid[1]!.family) {
    return invalid(`IPFamilyForAddresses: same address family ${goList(parts)}`);
  }
  return { ips: valid, field };
}

function readRequest(view: ServiceView): Requested | RequestError | null {
  const lbIp = view.service.spec?.loadBalancerIP ?? '';
  const value = annotation(view.service, 'loadBalancerIPs') ?? '';
  if (lbIp === '' && value === '') return null;
  if (lbIp !== '' && value !== '') {
    return {
      id: 'requested-ip-both-fields',
      error: `service can not have both ${NEW_PREFIX}loadBalancerIPs and svc.Spec.LoadBalancerIP`,
    };
  }
  if (value !== '') return parseAnnotationIps(value, annotationKey(view.service, 'loadBalancerIPs'));
  const ip = parseServiceIp(lbIp);
  if (ip === null) return { id: 'requested-ip-invalid', error: `invalid spec.loadBalancerIP ${JSON.stringify(lbIp)}` };
  return { ips: [ip], field: 'spec.loadBalancerIP' };
}

function requestError(view: ServiceView, { id, error }: RequestError): Finding {
  return unmet(view, {
    id,
    title:
      id === 'requested-ip-both-fields'
        ? `Service ${view.key} sets both spec.loadBalancerIP and the loadBalancerIPs annotation, so MetalLB assigns nothing`
        : `Service ${view.key} requests an IP MetalLB cannot parse: ${error}`,
    detail: `MetalLB rejects the request with: ${error} (Warning event LoadBalancerFailed/AllocationFailed).`,
    data: { error },
  });
}

function outsidePools(ctx: DiagnoseContext, view: ServiceView, req: Requested): Finding {
  const texts = req.ips.map((ip) => ip.text);
  const excluded = req.ips.flatMap((ip) => ctx.lookupIp(ip.canonical).excludedByAvoidBuggyIps);
  const inSome = req.ips.every((ip) => ctx.lookupIp(ip.canonical).pools.length > 0);
  const why = inSome
    ? ' (no single pool contains all of them)'
    : excluded.length > 0
      ? ` (pool ${excluded[0]} skips .0/.255 addresses: avoidBuggyIPs)`
      : '';
  return unmet(view, {
    id: 'requested-ip-outside-pools',
    title: `Service ${view.key} requests ${listText(texts)} (${req.field}), which is in no IPAddressPool${why}`,
    detail:
      `MetalLB answers: ${goList(texts)} is not allowed in config, and the Service does not get that IP. ` +
      'Add the address to a pool or change the request.',
    data: { requested: texts, field: req.field },
  });
}

function poolProblems(ctx: DiagnoseContext, view: ServiceView, req: Requested, poolName: string): Finding[] {
  const pool = ctx.poolsByName.get(poolName);
  if (pool === undefined) return [];
  const texts = req.ips.map((ip) => ip.text);
  const data = { requested: texts, pool: poolName };
  if (poolAllowsService(pool, view) === false) {
    return [
      unmet(view, {
        id: 'requested-ip-pool-excludes-service',
        title: `Service ${view.key} requests ${listText(texts)} from pool ${poolName}, whose serviceAllocation excludes this Service`,
        detail: `MetalLB answers: pool ${poolName} not compatible for ip assignment.`,
        objects: [serviceRef(view), poolRef(pool)],
        data,
      }),
    ];
  }
  const desired = annotation(view.service, 'address-pool');
  if (!desired || desired === poolName || !ctx.poolsByName.has(desired)) return [];
  return [
    unmet(view, {
      id: 'requested-ip-pool-mismatch',
      title: `Service ${view.key} requests ${listText(texts)}, which is in pool ${poolName}, but also asks for pool ${desired}`,
      detail: `MetalLB answers: requested loadBalancer IP(s) ${goList(texts)} is not compatible with requested address pool ${desired}.`,
      data: { ...data, requestedPool: desired },
    }),
  ];
}

function inUseByOthers(ctx: DiagnoseContext, view: ServiceView, req: Requested): Finding[] {
  return req.ips.flatMap((ip) => {
    if (view.ips.some((own) => own.canonical === ip.canonical)) return [];
    const holder = (ctx.ipHolders.get(ip.canonical) ?? []).find((h) => h.key !== view.key);
    const conflict = holder === undefined ? null : sharingConflict(holder.service, view.service);
    if (holder === undefined || conflict === null) return [];
    return [
      unmet(view, {
        id: 'requested-ip-in-use',
        title: `Service ${view.key} requests ${ip.text}, which Service ${holder.key} already holds and cannot share`,
        detail: `MetalLB refuses to share it: ${conflict}.`,
        objects: [serviceRef(view), serviceRef(holder)],
        data: { ip: ip.text, holder: holder.key, reason: conflict },
      }),
    ];
  });
}

function requestedIpFindings(ctx: DiagnoseContext, view: ServiceView): Finding[] {
  const req = readRequest(view);
  if (req === null) return [];
  if ('error' in req) return [requestError(view, req)];
  const lists = req.ips.map((ip) => ctx.lookupIp(ip.canonical).pools);
  const [common] = lists.reduce((acc, list) => acc.filter((name) => list.includes(name)));
  if (common === undefined) return [outsidePools(ctx, view, req)];
  return [...poolProblems(ctx, view, req, common), ...inUseByOthers(ctx, view, req)];
}

// ---------------------------------------------------------------------------------------------
// Pool annotations

function missingPool(ctx: DiagnoseContext, view: ServiceView): Finding[] {
  const desired = annotation(view.service, 'address-pool');
  if (!desired || ctx.poolsByName.has(desired)) return [];
  const key = annotationKey(view.service, 'address-pool');
  const holds =
    view.ips.length > 0
      ? ' If it still holds an IP from another pool, the controller clears it and the Service goes pending.'
      : '';
  return [
    unmet(view, {
      id: 'address-pool-missing',
      title: `Service ${view.key} asks for pool ${desired} (${key}), which does not exist`,
      detail: `MetalLB fails the allocation with: unknown pool ${JSON.stringify(desired)} (Warning event AllocationFailed).${holds}`,
      data: { requestedPool: desired, annotation: key },
    }),
  ];
}

function staleDeprecatedPoolAnnotation(ctx: DiagnoseContext, view: ServiceView): Finding[] {
  const value = view.service.metadata.annotations?.[`${OLD_PREFIX}ip-allocated-from-pool`];
  // An orphaned Service already gets a finding whose fix also clears this annotation.
  if (!value || ctx.poolsByName.has(value) || judgeServiceIps(ctx, view).orphans.length > 0) return [];
  const events = (ctx.serviceEvents.get(view.key) ?? []).filter((e) => e.reason === 'deprecatedAnnotation');
  const modern = atLeast(ctx.version, GATES.newAnnotationPrefix) !== false;
  const why = modern
    ? 'MetalLB >= 0.14.9 writes metallb.io/ip-allocated-from-pool and never removes the old-prefix key (issue #2642); ' +
      'every time the controller updates this Service it logs event=deprecatedAnnotation and emits a deprecatedAnnotation Warning event.'
    : 'MetalLB < 0.14.9 manages this annotation and rewrites it when it next converges the Service; ' +
      'a value naming a deleted pool means the controller has not re-processed the Service since.';
  return [
    unmet(view, {
      id: 'deprecated-pool-annotation-stale',
      severity: 'warning',
      title: `Service ${view.key} carries ${OLD_PREFIX}ip-allocated-from-pool=${value}, naming a pool that no longer exists`,
      detail: `${why} Warning events seen: ${events.reduce((n, e) => n + e.count, 0)}.`,
      data: { annotation: `${OLD_PREFIX}ip-allocated-from-pool`, pool: value },
    }),
  ];
}

// ---------------------------------------------------------------------------------------------
// Across Services

// Two Services holding one IP without agreeing to share it (can follow a restart, issue #1591).
function incompatibleSharers(ctx: DiagnoseContext): Finding[] {
  const findings: Finding[] = [];
  const reported = new Set<string>();
  for (const [ip, [first, ...others]] of ctx.ipHolders) {
    for (const other of others) {
      const conflict = first === undefined ? null : sharingConflict(first.service, other.service);
      const pair = `${first?.key}|${other.key}`;
      if (first === undefined || conflict === null || reported.has(pair)) continue;
      reported.add(pair);
      findings.push(
        unmet(other, {
          id: 'ip-shared-without-agreement',
          title: `Services ${first.key} and ${other.key} both hold ${ip} but are not allowed to share it`,
          detail: `MetalLB would refuse this pair: ${conflict}.`,
          objects: [serviceRef(first), serviceRef(other)],
          data: { ip, services: [first.key, other.key], reason: conflict },
        }),
      );
    }
  }
  return findings;
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
        `Since v0.14.9 MetalLB reads the ${NEW_PREFIX}* keys first and emits deprecatedAnnotation Warning events for the ` +
        `old prefix. Rename the keys to ${NEW_PREFIX}*.`,
      objects: users.map(serviceRef),
    }),
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
