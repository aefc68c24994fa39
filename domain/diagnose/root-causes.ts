// Root causes: which findings follow from which. One overlapping pool makes the controller reject the whole
// configuration, and the pools it leaves unloaded, the parse errors, ConfigurationState Invalid and the Services
// left pending since are its consequences, not separate problems. Each finding gets a key and, when another
// finding explains it, a causedBy link to that root cause; consequences are never linked further (one level).
// Pure and linear in the number of findings.
import type { DiagnoseContext } from './context.js';
import { findingsOf } from './finding.js';
import { cleanupOrphansFixFor, restartControllerFix } from './fixes.js';
import { poolRef } from './pools.js';
import { severityRank, type Finding, type ObjectRef, type RootCause, type Severity } from './report.js';
import { annotation, listText } from './services.js';

/** A data field as text ('' when it is not a string). */
const dataText = (f: Finding, field: string): string => {
  const value = f.data?.[field];
  return typeof value === 'string' ? value : '';
};

const objectText = (o: ObjectRef): string => `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;

/** Gives every finding a key unique within the report: its id and objects, numbered when they repeat. */
export function assignKeys(findings: readonly Finding[]): void {
  const seen = new Map<string, number>();
  for (const f of findings) {
    const base = `${f.id}/${f.objects.map(objectText).join(',')}`;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    f.key = count === 1 ? base : `${base}#${count}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Which findings are root causes of which kind

/** Objects whose error makes the controller reject the whole configuration (config.go parses it as one). */
const REJECTING = new Set(['pool-overlap', 'pool-invalid', 'community-alias-invalid']);
const CONTROLLER_DOWN = new Set([
  'controller-scaled-to-zero',
  'controller-unavailable',
  'controller-missing',
  'controller-pod-crashlooping',
  'controller-not-processing',
]);
/** What a rejected configuration leaves behind, besides Services. */
const STALE_CONFIG = new Set([
  'pool-not-loaded',
  'pool-status-mismatch',
  'controller-config-parse-error',
  'speaker-config-parse-error',
  'speaker-config-rejected',
  'configuration-state-invalid',
]);
/** Changes only a running controller processes. */
const UNPROCESSED = new Set([
  'orphaned-ip',
  'allocated-pool-annotation-stale',
  'pool-not-loaded',
  'pool-status-mismatch',
  'configuration-state-unknown',
  'controller-pod-not-ready',
]);
/** Findings about one Service that follow whatever explains that Service (its log lines, events). */
const SERVICE_SYMPTOMS = new Set(['controller-allocation-failed', 'controller-ip-cleared']);
/** Findings that name a pool which does not exist (data.pool or data.requestedPool). */
const NAMES_MISSING_POOL = new Set([
  'address-pool-missing',
  'advertisement-unknown-pool',
  'deprecated-pool-annotation-stale',
  'allocated-pool-annotation-stale',
]);

const isControllerRejection = (f: Finding): boolean =>
  f.severity === 'error' &&
  ((f.id === 'configuration-state-invalid' && f.data?.['component'] === 'controller') ||
    f.id === 'controller-config-parse-error');

/** The root of a rejected configuration: the object that breaks it, else the controller's own report of it. */
function rejectionRoot(findings: readonly Finding[]): Finding | undefined {
  return findings.find((f) => REJECTING.has(f.id)) ?? findings.find(isControllerRejection);
}

// ---------------------------------------------------------------------------------------------
// When the rejection started, and which pending Services it explains

const msOf = (value: unknown): number | null => {
  const time = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isNaN(time) ? null : time;
};

function rejectedSince(ctx: DiagnoseContext, findings: readonly Finding[], root: Finding): number | null {
  const poolTimes = root.objects
    .filter((o) => o.kind === 'IPAddressPool')
    .map((o) => msOf(ctx.poolsByName.get(o.name)?.pool.metadata.creationTimestamp));
  // The newest pool of an overlap is the one that broke a configuration that loaded before.
  const broke = poolTimes.some((t) => t === null) ? [] : [Math.max(...(poolTimes as number[]))];
  const logged = findings.filter(isControllerRejection).map((f) => msOf(f.data?.['first']));
  const times = [...broke, ...logged].filter((t): t is number => t !== null && Number.isFinite(t));
  return times.length === 0 ? null : Math.min(...times);
}

const GRACE_MS = 5_000;

const serviceOf = (f: Finding): ObjectRef | undefined => f.objects.find((o) => o.kind === 'Service');
const serviceKeyOf = (f: Finding): string | null => {
  const ref = serviceOf(f);
  return ref === undefined ? null : `${ref.namespace ?? 'default'}/${ref.name}`;
};

interface PendingFacts {
  cause: unknown;
  eventTime: number | null;
  created: number | null;
  askedPool: string | undefined;
}

// Pending Services by key, built once per context (a linear search per finding would be quadratic).
const pendingIndex = new WeakMap<DiagnoseContext, Map<string, DiagnoseContext['pending'][number]>>();

function pendingFacts(ctx: DiagnoseContext, f: Finding): PendingFacts {
  let index = pendingIndex.get(ctx);
  if (index === undefined) pendingIndex.set(ctx, (index = new Map(ctx.pending.map((v) => [v.key, v]))));
  const view = index.get(serviceKeyOf(f) ?? '');
  const event = f.data?.['event'] as { time?: unknown } | null | undefined;
  return {
    cause: f.data?.['cause'],
    eventTime: msOf(event?.time),
    created: msOf(view?.service.metadata.creationTimestamp),
    askedPool: view === undefined ? undefined : annotation(view.service, 'address-pool'),
  };
}

/** A Service left pending by the rejection: it asks for a pool never loaded, or went pending since. */
function pendingSinceRejection(ctx: DiagnoseContext, f: Finding, since: number | null, unloaded: Set<string>): boolean {
  const facts = pendingFacts(ctx, f);
  if (facts.askedPool !== undefined && unloaded.has(facts.askedPool)) return true;
  if (facts.cause === 'no-pools') return false;
  if (facts.cause === 'unknown') return true;
  if (since === null) return false;
  return [facts.created, facts.eventTime].some((t) => t !== null && t >= since - GRACE_MS);
}

// ---------------------------------------------------------------------------------------------
// Synthesised root causes: a controller that processes nothing, a pool that is gone

const workload = findingsOf('workload-health');
const orphans = findingsOf('orphaned-ips');

// The controller answers a new Service with an IP or an event within a second; events expire after an hour.
const EVENT_TTL_MS = 3_600_000;
const STILL_MS = 10_000;

function unprocessedService(ctx: DiagnoseContext, f: Finding): boolean {
  if (f.id !== 'service-pending' || f.data?.['event'] !== null || f.data?.['cause'] !== 'unknown') return false;
  const created = pendingFacts(ctx, f).created;
  return created !== null && ctx.now - created > STILL_MS && ctx.now - created < EVENT_TTL_MS;
}

/**
 * A controller that shows as available but processes no change (hung, SIGSTOPped, cut off from the API
 * server): a pool it never loaded or a new Service it never answered, with nothing else to explain them.
 */
function controllerNotProcessing(ctx: DiagnoseContext, findings: readonly Finding[]): Finding[] {
  if (ctx.controllerState !== 'available') return [];
  if (findings.some((f) => CONTROLLER_DOWN.has(f.id)) || rejectionRoot(findings) !== undefined) return [];
  const unloaded = findings.filter((f) => f.id === 'pool-not-loaded');
  const unanswered = findings.filter((f) => unprocessedService(ctx, f));
  if (unloaded.length === 0 && unanswered.length === 0) return [];
  const evidence = [
    ...unloaded.map((f) => `pool ${f.objects[0]?.name ?? '?'} has no status`),
    ...unanswered.map((f) => `Service ${serviceKeyOf(f) ?? '?'} has no IP and no event`),
  ];
  return [
    workload({
      id: 'controller-not-processing',
      severity: 'error',
      title: `The MetalLB controller is running but processes no change: ${listText(evidence)}`,
      detail:
        'The Deployment reports an available replica, yet the controller has not loaded a pool or answered a ' +
        'Service for more than 10 s (it loads a pool and answers a Service within a second): it is hung, stopped ' +
        'or cut off from the API server. Every unprocessed change below waits for it.',
      objects: ctx.controllers.map((c) => ({
        kind: 'Deployment',
        namespace: c.object.metadata.namespace ?? null,
        name: c.object.metadata.name,
      })),
      fix: restartControllerFix('A restarted controller loads every pool and processes every Service again.'),
      data: { evidence },
    }),
  ];
}

function missingPoolOf(f: Finding): string | null {
  if (f.id === 'orphaned-ip') return dataText(f, 'reason') === 'pool-deleted' ? dataText(f, 'pool') : null;
  if (!NAMES_MISSING_POOL.has(f.id)) return null;
  const named = ['requestedPool', 'annotatedPool', 'pool'].map((field) => dataText(f, field)).find(Boolean);
  return named ?? null;
}

function deletedPoolRoot(ctx: DiagnoseContext, pool: string, members: readonly Finding[]): Finding {
  const services = [...new Set(members.filter((f) => f.id === 'orphaned-ip').flatMap((f) => serviceKeyOf(f) ?? []))];
  return orphans({
    id: 'pool-deleted',
    severity: 'error',
    title: `IPAddressPool ${pool} no longer exists, but ${listText(services)} still hold IPs from it`,
    detail:
      'Deleting a pool is not refused while Services hold its IPs. Every finding below names the deleted pool; ' +
      'cleaning up its orphans releases those IPs and the annotations naming it, so the controller allocates ' +
      'from the current pools.',
    objects: [poolRef({ name: pool, namespace: ctx.namespace })],
    fix: cleanupOrphansFixFor(
      services,
      `Releases the IPs of the deleted pool ${pool} on ${listText(services)}; their external IPs change.`,
    ),
    data: { pool, services },
  });
}

/** A deleted pool explains its orphans and every reference to it, when at least one Service holds its IPs. */
function deletedPools(ctx: DiagnoseContext, findings: readonly Finding[]): Finding[] {
  const byPool = new Map<string, Finding[]>();
  for (const f of findings) {
    const pool = missingPoolOf(f);
    if (pool !== null && !ctx.poolsByName.has(pool)) byPool.set(pool, [...(byPool.get(pool) ?? []), f]);
  }
  return [...byPool]
    .filter(([, members]) => members.some((f) => f.id === 'orphaned-ip'))
    .map(([pool, members]) => deletedPoolRoot(ctx, pool, members));
}

/** The root causes only the links between findings reveal, to be added to the report before linking. */
export function synthesiseRootCauses(ctx: DiagnoseContext, findings: readonly Finding[]): Finding[] {
  return [...deletedPools(ctx, findings), ...controllerNotProcessing(ctx, findings)];
}

// ---------------------------------------------------------------------------------------------
// Linking

type Explains = (f: Finding) => boolean;

interface Linker {
  link: (root: Finding, explains: Explains) => void;
}

// A finding that is itself a root cause (of another kind) is never made a consequence.
function linker(findings: readonly Finding[]): Linker {
  const rejection = rejectionRoot(findings);
  const roots = new Set(
    findings.filter(
      (f) => REJECTING.has(f.id) || CONTROLLER_DOWN.has(f.id) || f.id === 'pool-deleted' || f === rejection,
    ),
  );
  return {
    link: (root, explains) => {
      for (const f of findings) if (f.causedBy === null && !roots.has(f) && explains(f)) f.causedBy = root.key;
    },
  };
}

function linkDeletedPools(findings: readonly Finding[]): void {
  const rootOfPool = new Map<string, string>();
  for (const f of findings) if (f.id === 'pool-deleted') rootOfPool.set(dataText(f, 'pool'), f.key);
  if (rootOfPool.size === 0) return;
  for (const f of findings) {
    const pool = f.id === 'pool-deleted' ? null : missingPoolOf(f);
    if (pool !== null && f.causedBy === null) f.causedBy = rootOfPool.get(pool) ?? null;
  }
}

function linkRejection(ctx: DiagnoseContext, findings: readonly Finding[], links: Linker): void {
  const root = rejectionRoot(findings);
  if (root === undefined) return;
  const since = rejectedSince(ctx, findings, root);
  const unloaded = new Set(findings.filter((f) => f.id === 'pool-not-loaded').flatMap((f) => f.objects[0]?.name ?? []));
  // A Service whose request no current pool meets has a cause of its own (an unmet-requests finding).
  const unmet = new Set(findings.filter((f) => f.check === 'unmet-requests').map(serviceKeyOf));
  links.link(root, (f) => {
    if (STALE_CONFIG.has(f.id) || f.id === 'allocated-pool-annotation-stale') return true;
    if (f.id === 'orphaned-ip') return true;
    if (f.id !== 'service-pending' || unmet.has(serviceKeyOf(f))) return false;
    return pendingSinceRejection(ctx, f, since, unloaded);
  });
}

function linkControllerDown(findings: readonly Finding[], links: Linker): void {
  const root = findings.find((f) => CONTROLLER_DOWN.has(f.id));
  if (root === undefined) return;
  const waits = (f: Finding) => ['controller-down', 'unknown'].includes(dataText(f, 'cause'));
  links.link(root, (f) => UNPROCESSED.has(f.id) || (f.id === 'service-pending' && waits(f)));
}

// One pass however many pools are unannounced: each unreachable Service goes to its pool's root.
function linkUnannounced(findings: readonly Finding[]): void {
  const rootOfPool = new Map<string, string>();
  for (const f of findings) if (f.id === 'pool-not-advertised') rootOfPool.set(f.objects[0]?.name ?? '', f.key);
  for (const f of findings)
    if (f.id === 'service-not-announced' && f.causedBy === null)
      f.causedBy = rootOfPool.get(dataText(f, 'pool')) ?? null;
}

// A full pool explains the Services whose latest event says no IP was available.
function linkExhausted(findings: readonly Finding[], links: Linker): void {
  const [root] = findings.filter((f) => f.id === 'pool-exhausted');
  if (root !== undefined)
    links.link(root, (f) => f.id === 'service-pending' && dataText(f, 'cause') === 'pool-exhausted');
}

// A Service's log lines and events follow whatever explains the Service itself.
function linkServiceSymptoms(findings: readonly Finding[]): void {
  const rootOfService = new Map<string, string>();
  for (const f of findings) {
    const key = serviceKeyOf(f);
    if (f.causedBy !== null && key !== null && !SERVICE_SYMPTOMS.has(f.id)) rootOfService.set(key, f.causedBy);
  }
  // A log group spanning several Services names none: it follows their root when they share one.
  const shared = new Set(rootOfService.values());
  const only = shared.size === 1 ? [...shared][0]! : null;
  const rootFor = (key: string | null) => (key === null ? only : (rootOfService.get(key) ?? null));
  for (const f of findings)
    if (f.causedBy === null && SERVICE_SYMPTOMS.has(f.id)) f.causedBy = rootFor(serviceKeyOf(f));
}

/** Sets causedBy on every finding another one explains. Keys must be assigned. */
export function linkRootCauses(ctx: DiagnoseContext, findings: readonly Finding[]): void {
  const links = linker(findings);
  linkDeletedPools(findings);
  linkRejection(ctx, findings, links);
  linkControllerDown(findings, links);
  linkUnannounced(findings);
  linkExhausted(findings, links);
  linkServiceSymptoms(findings);
}

// ---------------------------------------------------------------------------------------------
// The summary of root causes

const HEADLINES: Record<string, (f: Finding) => string> = {
  'pool-overlap': (f) =>
    dataText(f, 'pool') === dataText(f, 'otherPool')
      ? `pool ${dataText(f, 'pool')} overlapping itself`
      : `overlapping pools ${dataText(f, 'otherPool')} and ${dataText(f, 'pool')}`,
  'pool-invalid': (f) => `invalid pool ${f.objects[0]?.name ?? ''}`,
  'pool-deleted': (f) => `pool ${dataText(f, 'pool')} deleted while in use`,
  'controller-not-processing': () => 'controller not processing changes',
  'controller-scaled-to-zero': () => 'controller scaled to zero',
  'controller-unavailable': () => 'controller unavailable',
  'pool-not-advertised': (f) => `pool ${f.objects[0]?.name ?? ''} not announced`,
  'orphaned-ip': (f) => `orphaned IP on ${serviceKeyOf(f) ?? '?'}`,
  'service-pending': (f) => `${serviceKeyOf(f) ?? '?'} pending`,
  'service-not-announced': (f) => `${serviceKeyOf(f) ?? '?'} not announced`,
  'pool-exhausted': (f) => `pool ${f.objects[0]?.name ?? ''} exhausted`,
  'controller-allocation-failed': (f) => `allocation failed: ${f.title.split(': ').slice(1).join(': ')}`,
};

const MAX_HEADLINE = 80;

/** A few words naming a root cause, for the summary line. */
export function headlineOf(f: Finding): string {
  const known = HEADLINES[f.id];
  const text = known === undefined ? (f.title.split(': ')[0] ?? f.title) : known(f);
  return text.length > MAX_HEADLINE ? `${text.slice(0, MAX_HEADLINE - 1)}…` : text;
}

const worse = (a: Severity, b: Severity): Severity => (severityRank(a) <= severityRank(b) ? a : b);

/** Root causes at warning or above, most severe first (their own severity or a consequence's). */
export function rootCausesOf(findings: readonly Finding[]): RootCause[] {
  const byKey = new Map<string, RootCause>();
  for (const f of findings)
    if (f.causedBy === null)
      byKey.set(f.key, { key: f.key, headline: headlineOf(f), severity: f.severity, consequences: 0 });
  for (const f of findings) {
    const root = f.causedBy === null ? undefined : byKey.get(f.causedBy);
    if (root === undefined) continue;
    root.consequences += 1;
    root.severity = worse(root.severity, f.severity);
  }
  return [...byKey.values()]
    .filter((root) => root.severity !== 'info')
    .sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || b.consequences - a.consequences);
}
