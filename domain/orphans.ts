// The one definition of an orphan, shared by diagnose and the cleanup-orphans runbook: a Service
// MetalLB serves that holds an IP the current pools do not allow it (pool deleted or narrowed,
// avoidBuggyIPs, serviceAllocation, split across pools, shared without agreement), asks for
// something the pools cannot give (an IP or a pool), or carries a pool annotation naming a pool
// that is gone. For each, what cleanup-orphans removes and whether it clears the ingress.
// Pure: the checks mirror MetalLB's allocator (poolFor, isPoolCompatibleWithService, Assign).
import { buildPoolIndex } from './addresses.js';
import type { IpLookup } from './diagnose/context.js';
import { poolAllowsService, type PoolView } from './diagnose/pools.js';
import {
  annotation,
  annotationKey,
  NEW_PREFIX,
  OLD_PREFIX,
  parseServiceIp,
  sharingConflict,
  type ServiceIp,
  type ServiceView,
} from './diagnose/services.js';

/** What the model reads about the cluster; a DiagnoseContext is one. */
export interface OrphanContext {
  poolsByName: ReadonlyMap<string, PoolView>;
  lookupIp: (canonical: string) => IpLookup;
  /** Canonical IP → served Services holding it, in the order Services were listed. */
  ipHolders: ReadonlyMap<string, readonly ServiceView[]>;
}

/** Why an ingress IP is not the Service's to hold. */
export type OrphanReason =
  | 'pool-deleted'
  | 'pool-narrowed'
  | 'pool-invalid'
  | 'avoid-buggy-ips'
  | 'service-allocation'
  | 'split-across-pools'
  | 'no-pool';

/** An ingress IP the Service may not hold, why, and the pool concerned (when one is). */
export interface OrphanedIp {
  ip: ServiceIp;
  reason: OrphanReason;
  pool: string | null;
}

/** A request (spec.loadBalancerIP or the loadBalancerIPs annotation) MetalLB cannot meet, by finding id. */
export type RequestProblemId =
  | 'requested-ip-invalid'
  | 'requested-ip-both-fields'
  | 'requested-ip-outside-pools'
  | 'requested-ip-pool-excludes-service'
  | 'requested-ip-pool-mismatch'
  | 'requested-ip-in-use';

/** One unmet request and what MetalLB says about it. */
export interface RequestProblem {
  id: RequestProblemId;
  /** The field MetalLB reads the request from: "spec.loadBalancerIP" or an annotation key. */
  field: string;
  /** Requested IPs as written (empty when they do not parse). */
  requested: string[];
  /** MetalLB's own error text, for invalid requests. */
  error?: string;
  /** The pool holding the requested IPs, when one does. */
  pool?: string;
  /** The address-pool annotation's pool, for a mismatch. */
  requestedPool?: string;
  /** For requested-ip-in-use: the Service holding the IP and why it cannot be shared. */
  holder?: ServiceView;
  conflict?: string;
}

/** A pool annotation (its key) naming a pool that does not exist. */
export interface StaleAnnotation {
  key: string;
  pool: string;
}

/** A served Service holding an IP an earlier holder holds and may not share with it. */
export interface SharingConflict {
  ip: string;
  holder: ServiceView;
  reason: string;
}

/** Everything the model finds wrong with one served Service; empty lists and nulls when healthy. */
export interface OrphanVerdict {
  service: string;
  orphanedIps: OrphanedIp[];
  /** Pools containing every ingress IP (empty when orphaned or without IPs). */
  commonPools: string[];
  requestProblems: RequestProblem[];
  /** The address-pool annotation MetalLB reads names a pool that does not exist. */
  missingPool: StaleAnnotation | null;
  /** metallb.universe.tf/ip-allocated-from-pool (never removed since v0.14.9) naming a pool that is gone. */
  staleLegacyPool: StaleAnnotation | null;
  sharingConflicts: SharingConflict[];
}

/** What cleanup-orphans does to one Service. Plain data: it travels through workflow history. */
export interface OrphanPlan {
  service: string;
  /** One line per problem found. */
  reasons: string[];
  removeLoadBalancerIP: boolean;
  removeAnnotations: string[];
  /** Clear status.loadBalancer (if the ingress is still judged orphaned then) so the controller allocates anew. */
  clearIngress: boolean;
  ips: string[];
  /** Where MetalLB runs, so the activities can judge the Service again before each change. */
  scope?: { namespace: string; lbClass: string | null };
}

/** The annotations a Service requests its IPs with (new prefix first). */
export const requestAnnotations = [`${NEW_PREFIX}loadBalancerIPs`, `${OLD_PREFIX}loadBalancerIPs`] as const;
/** Written by MetalLB <= 0.14.8 and never removed since (MetalLB issue #2642). */
export const legacyAllocatedFrom = `${OLD_PREFIX}ip-allocated-from-pool`;

// ---------------------------------------------------------------------------------------------
// Ingress IPs (poolFor, then isPoolCompatibleWithService)

type IpVerdict = { pools: string[] } | OrphanedIp;

const isOrphan = (verdict: IpVerdict): verdict is OrphanedIp => 'reason' in verdict;

/**
 * The pool an IP was allocated from: with overlapping pools an address lies in several, and it belongs to the one
 * MetalLB allocated it from, which the Service's ip-allocated-from-pool annotation names. Without that
 * annotation (or when it names none of them), the first pool containing it.
 */
export function owningPool(view: ServiceView, containing: readonly string[]): string | undefined {
  const from = annotation(view.service, 'ip-allocated-from-pool');
  return from && containing.includes(from) ? from : containing[0];
}

function judgeIp(ctx: OrphanContext, view: ServiceView, ip: ServiceIp): IpVerdict {
  const lookup = ctx.lookupIp(ip.canonical);
  const owner = owningPool(view, lookup.pools);
  if (owner !== undefined) {
    const pool = ctx.poolsByName.get(owner);
    const allowed = pool === undefined ? true : poolAllowsService(pool, view);
    return allowed === false ? { ip, reason: 'service-allocation', pool: owner } : { pools: lookup.pools };
  }
  const [buggy] = lookup.excludedByAvoidBuggyIps;
  if (buggy !== undefined) return { ip, reason: 'avoid-buggy-ips', pool: buggy };
  // The managed annotation names the pool the IP came from (metallb.io/ since 0.14.9, old prefix before).
  const from = annotation(view.service, 'ip-allocated-from-pool');
  if (!from) return { ip, reason: 'no-pool', pool: null };
  const named = ctx.poolsByName.get(from);
  if (named === undefined) return { ip, reason: 'pool-deleted', pool: from };
  return { ip, reason: named.error === null ? 'pool-narrowed' : 'pool-invalid', pool: from };
}

function intersect(lists: readonly string[][]): string[] {
  const [head = [], ...rest] = lists;
  return head.filter((name) => rest.every((list) => list.includes(name)));
}

/** Every ingress IP judged; a dual-stack pair must also come from one pool (allocator poolFor). */
export function judgeIngress(ctx: OrphanContext, view: ServiceView): { orphans: OrphanedIp[]; commonPools: string[] } {
  const verdicts = view.ips.map((ip) => judgeIp(ctx, view, ip));
  const orphans = verdicts.filter(isOrphan);
  if (orphans.length > 0) return { orphans, commonPools: [] };
  const commonPools = intersect(verdicts.map((verdict) => (isOrphan(verdict) ? [] : verdict.pools)));
  if (commonPools.length > 0 || view.ips.length === 0) return { orphans: [], commonPools };
  return { orphans: view.ips.map((ip) => ({ ip, reason: 'split-across-pools', pool: null })), commonPools: [] };
}

// ---------------------------------------------------------------------------------------------
// Requested IPs (getDesiredLbIPs, ipfamily.ForAddresses, Assign)

interface Requested {
  ips: ServiceIp[];
  field: string;
}

/** Go's %q of a string slice: ["a" "b"]. */
export const goList = (items: readonly string[]): string => `[${items.map((i) => JSON.stringify(i)).join(' ')}]`;

function parseAnnotationIps(value: string, field: string): Requested | RequestProblem {
  const parts = value.split(',').map((part) => part.trim());
  const ips = parts.map(parseServiceIp);
  const invalid = (error: string): RequestProblem => ({ id: 'requested-ip-invalid', field, requested: [], error });
  if (ips.some((ip) => ip === null)) return invalid(`invalid ${field}: ${JSON.stringify(value)}`);
  const valid = ips as ServiceIp[];
  if (valid.length > 2) return invalid(`IPFamilyForAddresses: invalid ips length ${valid.length} ${goList(parts)}`);
  if (valid.length === 2 && valid[0]!.family === valid[1]!.family)
    return invalid(`IPFamilyForAddresses: same address family ${goList(parts)}`);
  return { ips: valid, field };
}

function specRequest(lbIp: string): Requested | RequestProblem {
  const ip = parseServiceIp(lbIp);
  const field = 'spec.loadBalancerIP';
  if (ip === null)
    return { id: 'requested-ip-invalid', field, requested: [], error: `invalid ${field} ${JSON.stringify(lbIp)}` };
  return { ips: [ip], field };
}

const bothFields: RequestProblem = {
  id: 'requested-ip-both-fields',
  field: 'spec.loadBalancerIP',
  requested: [],
  error: `service can not have both ${NEW_PREFIX}loadBalancerIPs and svc.Spec.LoadBalancerIP`,
};

/** The request MetalLB reads; with both fields set it refuses, and the annotation is what stays. */
function readRequests(view: ServiceView): (Requested | RequestProblem)[] {
  const lbIp = view.service.spec?.loadBalancerIP ?? '';
  const value = annotation(view.service, 'loadBalancerIPs') ?? '';
  const fromAnnotation =
    value === '' ? [] : [parseAnnotationIps(value, annotationKey(view.service, 'loadBalancerIPs'))];
  if (lbIp !== '' && value !== '') return [bothFields, ...fromAnnotation];
  return lbIp === '' ? fromAnnotation : [specRequest(lbIp)];
}

function outsidePools(ctx: OrphanContext, request: Requested): RequestProblem[] {
  const lists = request.ips.map((ip) => ctx.lookupIp(ip.canonical).pools);
  if (intersect(lists).length > 0) return [];
  return [{ id: 'requested-ip-outside-pools', field: request.field, requested: request.ips.map((ip) => ip.text) }];
}

function poolProblems(ctx: OrphanContext, view: ServiceView, request: Requested): RequestProblem[] {
  const [poolName] = intersect(request.ips.map((ip) => ctx.lookupIp(ip.canonical).pools));
  const pool = poolName === undefined ? undefined : ctx.poolsByName.get(poolName);
  if (pool === undefined) return [];
  const base = { field: request.field, requested: request.ips.map((ip) => ip.text), pool: pool.name };
  if (poolAllowsService(pool, view) === false) return [{ id: 'requested-ip-pool-excludes-service', ...base }];
  const desired = annotation(view.service, 'address-pool');
  if (!desired || desired === pool.name || !ctx.poolsByName.has(desired)) return [];
  return [{ id: 'requested-ip-pool-mismatch', ...base, requestedPool: desired }];
}

function inUseByOthers(ctx: OrphanContext, view: ServiceView, request: Requested): RequestProblem[] {
  return request.ips.flatMap((ip): RequestProblem[] => {
    if (view.ips.some((own) => own.canonical === ip.canonical)) return [];
    const holder = (ctx.ipHolders.get(ip.canonical) ?? []).find((other) => other.key !== view.key);
    const conflict = holder === undefined ? null : sharingConflict(holder.service, view.service);
    if (holder === undefined || conflict === null) return [];
    return [{ id: 'requested-ip-in-use', field: request.field, requested: [ip.text], holder, conflict }];
  });
}

function judgeRequests(ctx: OrphanContext, view: ServiceView): RequestProblem[] {
  return readRequests(view).flatMap((request) => {
    if ('id' in request) return [request];
    const outside = outsidePools(ctx, request);
    if (outside.length > 0) return outside;
    const pool = poolProblems(ctx, view, request);
    return pool.length > 0 ? pool : inUseByOthers(ctx, view, request);
  });
}

// ---------------------------------------------------------------------------------------------
// Pool annotations and shared IPs

function missingPool(ctx: OrphanContext, view: ServiceView): StaleAnnotation | null {
  const pool = annotation(view.service, 'address-pool');
  if (!pool || ctx.poolsByName.has(pool)) return null;
  return { key: annotationKey(view.service, 'address-pool'), pool };
}

function staleLegacyPool(ctx: OrphanContext, view: ServiceView): StaleAnnotation | null {
  const pool = view.service.metadata.annotations?.[legacyAllocatedFrom];
  return pool && !ctx.poolsByName.has(pool) ? { key: legacyAllocatedFrom, pool } : null;
}

/**
 * Two served Services holding one IP without agreeing to share it (can follow a restart, MetalLB
 * issue #1591): the first one listed keeps it, every later one is in conflict with it.
 */
function sharingConflicts(ctx: OrphanContext, view: ServiceView): SharingConflict[] {
  return view.ips.flatMap((ip) => {
    const [first] = ctx.ipHolders.get(ip.canonical) ?? [];
    if (first === undefined || first.key === view.key) return [];
    const reason = sharingConflict(first.service, view.service);
    return reason === null ? [] : [{ ip: ip.text, holder: first, reason }];
  });
}

/** Everything wrong with one served Service's MetalLB state. */
export function judgeOrphan(ctx: OrphanContext, view: ServiceView): OrphanVerdict {
  const { orphans, commonPools } = judgeIngress(ctx, view);
  return {
    service: view.key,
    orphanedIps: orphans,
    commonPools,
    requestProblems: judgeRequests(ctx, view),
    missingPool: missingPool(ctx, view),
    staleLegacyPool: staleLegacyPool(ctx, view),
    sharingConflicts: sharingConflicts(ctx, view),
  };
}

// ---------------------------------------------------------------------------------------------
// The cleanup plan

const REASON_TEXT: Record<OrphanReason, string> = {
  'pool-deleted': 'which is in no IPAddressPool (its pool was deleted)',
  'pool-narrowed': 'which is in no IPAddressPool (its pool was narrowed)',
  'pool-invalid': 'which is in no IPAddressPool (its pool no longer parses)',
  'avoid-buggy-ips': 'which its pool skips (avoidBuggyIPs)',
  'service-allocation': "whose pool's serviceAllocation no longer includes this Service",
  'split-across-pools': 'which no single IPAddressPool contains',
  'no-pool': 'which is in no IPAddressPool',
};

const REQUEST_TEXT: Record<RequestProblemId, string> = {
  'requested-ip-invalid': 'which MetalLB cannot parse',
  'requested-ip-both-fields': 'while the loadBalancerIPs annotation is also set (MetalLB assigns nothing)',
  'requested-ip-outside-pools': 'which no IPAddressPool can serve',
  'requested-ip-pool-excludes-service': 'from a pool whose serviceAllocation excludes this Service',
  'requested-ip-pool-mismatch': 'from a pool other than the one its address-pool annotation asks for',
  'requested-ip-in-use': 'which another Service holds and may not share',
};

function reasonsOf(verdict: OrphanVerdict): string[] {
  const ipText = (orphan: OrphanedIp) => `holds ${orphan.ip.text}, ${REASON_TEXT[orphan.reason]}`;
  return [
    ...verdict.orphanedIps.map(ipText),
    ...verdict.sharingConflicts.map((c) => `holds ${c.ip}, which ${c.holder.key} holds too: ${c.reason}`),
    ...verdict.requestProblems.map(
      (p) => `${p.field} requests ${p.requested.join(', ') || 'an IP'}, ${REQUEST_TEXT[p.id]}`,
    ),
    ...[verdict.missingPool, verdict.staleLegacyPool].flatMap((stale) =>
      stale ? [`${stale.key} names pool ${stale.pool}, which does not exist`] : [],
    ),
  ];
}

/** Shadowed duplicates (the old prefix behind a new-prefix key) that would take effect once the key goes. */
function shadowedStaleKeys(ctx: OrphanContext, view: ServiceView, removed: readonly string[]): string[] {
  const annotations = view.service.metadata.annotations ?? {};
  const oldRequest = `${OLD_PREFIX}loadBalancerIPs`;
  const oldPool = `${OLD_PREFIX}address-pool`;
  const requestGoes = removed.includes(`${NEW_PREFIX}loadBalancerIPs`) && annotations[oldRequest] !== undefined;
  const poolGoes = removed.includes(`${NEW_PREFIX}address-pool`) && annotations[oldPool] !== undefined;
  const staleRequest = requestGoes && !servable(ctx, annotations[oldRequest]!);
  const stalePool = poolGoes && !ctx.poolsByName.has(annotations[oldPool]!);
  return [...(staleRequest ? [oldRequest] : []), ...(stalePool ? [oldPool] : [])];
}

function servable(ctx: OrphanContext, value: string): boolean {
  const parsed = parseAnnotationIps(value, 'annotation');
  return !('id' in parsed) && intersect(parsed.ips.map((ip) => ctx.lookupIp(ip.canonical).pools)).length > 0;
}

/** What cleanup-orphans does about a verdict; null when there is nothing for it to do (not an orphan). */
export function planCleanup(ctx: OrphanContext, view: ServiceView, verdict: OrphanVerdict): OrphanPlan | null {
  const reasons = reasonsOf(verdict);
  if (reasons.length === 0) return null;
  const requestFields = [...new Set(verdict.requestProblems.map((p) => p.field))];
  const keys = [
    ...requestFields.filter((field) => field !== 'spec.loadBalancerIP'),
    ...(verdict.missingPool ? [verdict.missingPool.key] : []),
  ];
  return {
    service: verdict.service,
    reasons,
    removeLoadBalancerIP: requestFields.includes('spec.loadBalancerIP'),
    removeAnnotations: [
      ...keys,
      ...shadowedStaleKeys(ctx, view, keys),
      ...(verdict.staleLegacyPool ? [verdict.staleLegacyPool.key] : []),
    ],
    clearIngress: verdict.orphanedIps.length > 0 || verdict.sharingConflicts.length > 0,
    ips: view.ips.map((ip) => ip.text),
  };
}

/** judgeOrphan then planCleanup: the plan for one served Service, or null if it is no orphan. */
export function orphanPlanFor(ctx: OrphanContext, view: ServiceView): OrphanPlan | null {
  return planCleanup(ctx, view, judgeOrphan(ctx, view));
}

// ---------------------------------------------------------------------------------------------
// Verdicts for a whole cluster

/** How cleanup-orphans sees a LoadBalancer Service. */
export type ServiceState = 'healthy' | 'pending' | 'orphan' | 'not-served';

/** The model's word on one LoadBalancer Service, and the cleanup plan when it is an orphan. */
export interface ServiceVerdict {
  service: string;
  state: ServiceState;
  /** Ingress IPs as written. */
  ips: string[];
  plan: OrphanPlan | null;
}

/** The model's context from views alone (what a diagnosis builds, minus events and workloads). */
export function orphanContextOf(pools: readonly PoolView[], served: readonly ServiceView[]): OrphanContext {
  const index = buildPoolIndex(pools.filter((pool) => pool.error === null));
  const ipHolders = new Map<string, ServiceView[]>();
  for (const view of served)
    for (const ip of view.ips) ipHolders.set(ip.canonical, [...(ipHolders.get(ip.canonical) ?? []), view]);
  return {
    poolsByName: new Map(pools.map((pool) => [pool.name, pool])),
    lookupIp: (canonical) => index.lookupDetailed(canonical) ?? { pools: [], excludedByAvoidBuggyIps: [] },
    ipHolders,
  };
}

/** One verdict per LoadBalancer Service: served ones judged by the model, the rest "not-served". */
export function judgeServiceViews(
  ctx: OrphanContext,
  loadBalancers: readonly ServiceView[],
  isServed: (view: ServiceView) => boolean,
): ServiceVerdict[] {
  return loadBalancers.map((view) => {
    const ips = view.ips.map((ip) => ip.text);
    if (!isServed(view)) return { service: view.key, state: 'not-served', ips, plan: null };
    const plan = orphanPlanFor(ctx, view);
    if (plan) return { service: view.key, state: 'orphan', ips, plan };
    return { service: view.key, state: ips.length > 0 ? 'healthy' : 'pending', ips, plan: null };
  });
}
