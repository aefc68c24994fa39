// `metallb-runbooks explain svc/<ns>/<name>` and `explain pool/<name>`: one object's story from one snapshot
// and the diagnosis of it. For a Service: what MetalLB would do with it (class, requested IPs, pool selection,
// serviceAllocation priority, autoAssign), what it did (events, controller log lines, annotations), which pool
// each IP is from, who announces it and from which nodes, and the root cause with its fix. Pure.
import type { KubeEvent } from '../kube-schemas.js';
import { parseMetallbLogLine } from '../metallb-logs.js';
import { redactLogLine } from '../redact.js';
import { advertisementViews, type AdvertisementView } from './advertisements.js';
import { announcementOf, announcersByService, nodesOf, poolOfService, type Announcer } from './announcements.js';
import { buildContext, type DiagnoseContext } from './context.js';
import { diagnose } from './index.js';
import { poolAllowsService, type PoolView } from './pools.js';
import type { DiagnosisReport, Finding, Fix, PoolCapacityRow, Severity } from './report.js';
import { annotation, isServedByMetallb, NEW_PREFIX, OLD_PREFIX, viewService, type ServiceView } from './services.js';
import { severityRank } from './report.js';
import type { ClusterSnapshot } from '../snapshot.js';

/** What explain is asked about. */
export type ExplainTarget = { kind: 'service'; namespace: string; name: string } | { kind: 'pool'; name: string };

/** "svc/ns/name", "service/ns/name", "pool/name", "ipaddresspool/name"; null when it is neither. */
export function parseExplainTarget(text: string): ExplainTarget | null {
  const parts = text.split('/');
  const [kind = '', first, second] = parts;
  if (['svc', 'service', 'services'].includes(kind.toLowerCase()) && parts.length === 3 && first && second)
    return { kind: 'service', namespace: first, name: second };
  if (['pool', 'ipaddresspool', 'ipaddresspools'].includes(kind.toLowerCase()) && parts.length === 2 && first)
    return { kind: 'pool', name: first };
  return null;
}

/** A finding in an explanation: enough to find it in the diagnose report. */
export interface FindingBrief {
  key: string;
  id: string;
  severity: Severity;
  title: string;
}

/** The root cause of what is wrong, and the way from it to the object's own finding. */
export interface RootCauseBrief extends FindingBrief {
  fix: Fix | null;
  /** Root cause first, the object's finding last (one element when the finding is its own root). */
  chain: FindingBrief[];
}

/** How an advertisement covers a pool. */
export interface AdvertisementBrief {
  kind: string;
  name: string;
  /** Nodes it may announce from (its nodeSelectors; all nodes when it has none). */
  nodes: string[];
}

/** One candidate pool in MetalLB's order of choice. */
export interface PoolCandidate {
  pool: string;
  priority: number | null;
  autoAssign: boolean;
  /** serviceAllocation admits the Service (null: cannot be judged without Namespace objects). */
  allowed: boolean | null;
}

/** `explain svc/...` as JSON. */
export interface ServiceExplanation {
  kind: 'Service';
  service: string;
  state: 'healthy' | 'pending' | 'orphaned' | 'unannounced' | 'problem' | 'not-served';
  served: { byMetallb: boolean; loadBalancerClass: string | null; controllerLbClass: string | null };
  request: { loadBalancerIP: string | null; loadBalancerIPs: string | null; addressPool: string | null };
  /** Pools MetalLB would pick from, first choice first. */
  poolSelection: { by: 'annotation' | 'auto-assign'; candidates: PoolCandidate[] };
  ips: { ip: string; pool: string | null }[];
  announcement: { pool: string; advertisements: AdvertisementBrief[]; announcedBy: Announcer[] }[];
  annotations: Record<string, string>;
  events: { reason: string | null; message: string | null; time: string | null; type: string | null }[];
  logLines: string[];
  findings: FindingBrief[];
  rootCause: RootCauseBrief | null;
}

/** `explain pool/...` as JSON. */
export interface PoolExplanation {
  kind: 'IPAddressPool';
  pool: string;
  addresses: string[];
  error: string | null;
  autoAssign: boolean;
  avoidBuggyIPs: boolean;
  serviceAllocation: unknown;
  capacity: PoolCapacityRow[];
  services: { service: string; ips: string[] }[];
  advertisements: AdvertisementBrief[];
  /** Whether the controller loaded it: its status counters (v0.15+), or the diagnosis's word. */
  loaded: 'yes' | 'no' | 'unknown';
  findings: FindingBrief[];
  rootCause: RootCauseBrief | null;
}

export type Explanation = ServiceExplanation | PoolExplanation;

const brief = (f: Finding): FindingBrief => ({ key: f.key, id: f.id, severity: f.severity, title: f.title });

// The most severe finding naming the object, and the root cause it follows from.
function rootCauseOf(report: DiagnosisReport, own: readonly Finding[]): RootCauseBrief | null {
  const [worst] = own
    .filter((f) => f.severity !== 'info')
    .sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
  if (worst === undefined) return null;
  const root = worst.causedBy === null ? worst : (report.findings.find((f) => f.key === worst.causedBy) ?? worst);
  const chain = root === worst ? [brief(worst)] : [brief(root), brief(worst)];
  return { ...brief(root), fix: root.fix, chain };
}

const MAX_LOG_LINES = 20;

// Controller lines naming the Service, newest last, redacted as every log line that leaves this tool is.
function logLinesNaming(ctx: DiagnoseContext, key: string): string[] {
  const quoted = `"${key}"`;
  return ctx.snapshot.logs.controller
    .split('\n')
    .filter((line) => line.includes(quoted) || parseMetallbLogLine(line, 'controller').fields['service'] === key)
    .slice(-MAX_LOG_LINES)
    .map(redactLogLine);
}

const eventBrief = (e: KubeEvent) => ({ reason: e.reason, message: e.message, time: e.lastTime, type: e.type ?? null });

function metallbAnnotations(view: ServiceView): Record<string, string> {
  const all = view.service.metadata.annotations ?? {};
  return Object.fromEntries(
    Object.entries(all).filter(([key]) => key.startsWith(NEW_PREFIX) || key.startsWith(OLD_PREFIX)),
  );
}

function candidates(ctx: DiagnoseContext, view: ServiceView): ServiceExplanation['poolSelection'] {
  const asked = annotation(view.service, 'address-pool');
  const pools = asked ? ctx.pools.filter((p) => p.name === asked) : ctx.pools.filter((p) => p.autoAssign);
  const priority = (p: PoolView) => p.pool.spec.serviceAllocation?.priority ?? null;
  // The allocator tries pools with a priority first, lowest number first, then the rest by name.
  const rank = (p: PoolView) => priority(p) ?? Number.POSITIVE_INFINITY;
  const ordered = [...pools].sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : 1));
  return {
    by: asked ? 'annotation' : 'auto-assign',
    candidates: ordered.map((p) => ({
      pool: p.name,
      priority: priority(p),
      autoAssign: p.autoAssign,
      allowed: poolAllowsService(p, view),
    })),
  };
}

function advertisementBriefs(ctx: DiagnoseContext, views: readonly AdvertisementView[]): AdvertisementBrief[] {
  return views.map((view) => ({ kind: view.ref.kind, name: view.ref.name, nodes: nodesOf(ctx, view) }));
}

function announcementsOf(
  ctx: DiagnoseContext,
  view: ServiceView,
  pool: string | undefined,
): ServiceExplanation['announcement'] {
  if (pool === undefined || !ctx.poolsByName.has(pool)) return [];
  const announcement = announcementOf(advertisementViews(ctx), pool);
  return [
    {
      pool,
      advertisements: advertisementBriefs(ctx, [...announcement.l2, ...announcement.bgp]),
      announcedBy: announcersByService(ctx).get(view.key) ?? [],
    },
  ];
}

function requestOf(service: ServiceView['service']): ServiceExplanation['request'] {
  return {
    loadBalancerIP: service.spec?.loadBalancerIP || null,
    loadBalancerIPs: annotation(service, 'loadBalancerIPs') ?? null,
    addressPool: annotation(service, 'address-pool') ?? null,
  };
}

const STATE_OF: Record<string, ServiceExplanation['state']> = {
  'orphaned-ip': 'orphaned',
  'service-pending': 'pending',
  'service-not-announced': 'unannounced',
};

function stateOf(served: boolean, own: readonly Finding[]): ServiceExplanation['state'] {
  if (!served) return 'not-served';
  const problems = own.filter((f) => f.severity !== 'info');
  for (const id of Object.keys(STATE_OF)) if (problems.some((f) => f.id === id)) return STATE_OF[id]!;
  return problems.length > 0 ? 'problem' : 'healthy';
}

const names = (f: Finding, kind: string, namespace: string | null, name: string) =>
  f.objects.some((o) => o.kind === kind && o.name === name && (namespace === null || o.namespace === namespace));

function explainService(
  ctx: DiagnoseContext,
  report: DiagnosisReport,
  target: { namespace: string; name: string },
): ServiceExplanation | null {
  const service = ctx.snapshot.services.find(
    (s) => s.metadata.name === target.name && (s.metadata.namespace ?? 'default') === target.namespace,
  );
  if (service === undefined) return null;
  const view = ctx.services.find((v) => v.service === service) ?? viewService(service);
  const served = isServedByMetallb(service, ctx.snapshot.lbClass);
  const own = report.findings.filter((f) => names(f, 'Service', target.namespace, target.name));
  const pool = served ? poolOfService(ctx, view) : undefined;
  return {
    kind: 'Service',
    service: view.key,
    state: stateOf(served, own),
    served: {
      byMetallb: served,
      loadBalancerClass: service.spec?.loadBalancerClass ?? null,
      controllerLbClass: ctx.snapshot.lbClass,
    },
    request: requestOf(service),
    poolSelection: candidates(ctx, view),
    ips: view.ips.map((ip) => ({ ip: ip.text, pool: pool ?? null })),
    announcement: announcementsOf(ctx, view, pool),
    annotations: metallbAnnotations(view),
    events: (ctx.serviceEvents.get(view.key) ?? []).map(eventBrief),
    logLines: logLinesNaming(ctx, view.key),
    findings: own.map(brief),
    rootCause: rootCauseOf(report, own),
  };
}

function loadedState(ctx: DiagnoseContext, pool: PoolView, own: readonly Finding[]): PoolExplanation['loaded'] {
  if (own.some((f) => f.id === 'pool-not-loaded' || f.id === 'pool-invalid' || f.id === 'pool-overlap')) return 'no';
  const status = pool.pool.status;
  const counted = [status?.assignedIPv4, status?.assignedIPv6, status?.availableIPv4, status?.availableIPv6];
  if (counted.some((n) => (n ?? 0) > 0)) return 'yes';
  return ctx.snapshot.configurationStates.some((s) => s.metadata.name === 'controller' && s.status?.result === 'Valid')
    ? 'yes'
    : 'unknown';
}

function explainPool(ctx: DiagnoseContext, report: DiagnosisReport, name: string): PoolExplanation | null {
  const pool = ctx.poolsByName.get(name);
  if (pool === undefined) return null;
  const own = report.findings.filter((f) => names(f, 'IPAddressPool', null, name));
  const users = ctx.services.filter((view) => poolOfService(ctx, view) === name);
  const announcement = announcementOf(advertisementViews(ctx), name);
  return {
    kind: 'IPAddressPool',
    pool: name,
    addresses: pool.pool.spec.addresses,
    error: pool.error?.message ?? null,
    autoAssign: pool.autoAssign,
    avoidBuggyIPs: pool.avoidBuggyIPs,
    serviceAllocation: pool.pool.spec.serviceAllocation ?? null,
    capacity: report.capacity.filter((row) => row.pool === name),
    services: users.map((view) => ({ service: view.key, ips: view.ips.map((ip) => ip.text) })),
    advertisements: advertisementBriefs(ctx, [...announcement.l2, ...announcement.bgp]),
    loaded: loadedState(ctx, pool, own),
    findings: own.map(brief),
    rootCause: rootCauseOf(report, own),
  };
}

/** Explains one object of the snapshot; null when the snapshot does not hold it. */
export function explain(
  snapshot: ClusterSnapshot,
  target: ExplainTarget,
  report: DiagnosisReport = diagnose(snapshot),
): Explanation | null {
  const ctx = buildContext(snapshot);
  return target.kind === 'service' ? explainService(ctx, report, target) : explainPool(ctx, report, target.name);
}
