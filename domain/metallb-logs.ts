// Parse and classify MetalLB controller/speaker log lines (v0.13–v0.16) so a diagnosis can
// group them by cause. Pure: no I/O, no clock; times come from the lines themselves.
import { z } from 'zod';
import { redactLogLine } from './redact.js';

export type LogCause =
  | 'config-parse-error'
  | 'config-rejected-by-speaker'
  | 'legacy-config-incompatible'
  | 'allocation-failure'
  | 'ip-cleared'
  | 'ip-allocated'
  | 'service-handling-failed'
  | 'ip-not-allowed-by-speaker'
  | 'reconciler-error'
  | 'configuration-state-race'
  | 'deprecated-annotation'
  | 'config-reloaded'
  | 'no-config'
  | 'other-error'
  | 'other';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogComponent = 'controller' | 'speaker' | 'unknown';

export interface MetallbLogLine {
  raw: string;
  kind: 'json' | 'klog' | 'unparsed';
  /** ISO string, UTC, millisecond precision. */
  time: string | null;
  level: LogLevel | null;
  fields: Record<string, unknown>;
  cause: LogCause;
  component: LogComponent;
  transient: boolean;
  /** One line: the error, else msg, else event. */
  summary: string;
}

export interface LogGroup {
  cause: LogCause;
  /** Components seen in the group, sorted and comma-joined (e.g. "controller,speaker"). */
  component: string;
  /**
   * cause + summary text. For reconciler errors, errors of no known pattern and cleared IPs (TEMPLATED_CAUSES) the
   * summary's quoted names, UIDs and numbers are masked, so one event hitting many objects is one group; for the
   * other causes names and IPs are kept.
   */
  key: string;
  /** The summary of the first line that formed the group. */
  summary: string;
  /** How many different summaries the group holds (more than 1 only for masked keys). */
  variants: number;
  /** The first MAX_GROUP_SUMMARIES different summaries, to name the objects they mention. */
  summaries: string[];
  count: number;
  first: string | null;
  last: string | null;
  /** Raw text of the first line that formed the group. */
  example: string;
  /** True only when every line in the group is transient. */
  transient: boolean;
}

const ERROR_CAUSES: ReadonlySet<LogCause> = new Set<LogCause>([
  'config-parse-error',
  'legacy-config-incompatible',
  'allocation-failure',
  'service-handling-failed',
  'ip-not-allowed-by-speaker',
  'reconciler-error',
  'configuration-state-race',
  'other-error',
  'config-rejected-by-speaker',
]);

export function isErrorCause(c: LogCause): boolean {
  return ERROR_CAUSES.has(c);
}

// ---------------------------------------------------------------------------------------------
// Time handling

// RFC3339 / RFC3339Nano, plus zap's ISO8601 encoder which writes offsets without a colon.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:?\d{2})$/;

/** Month 1-12, day 1-28 (valid in every month), hour, minute and second in range: Date would not roll over. */
function inRange(...fields: (string | undefined)[]): boolean {
  const [month, day, hour, minute, second] = fields.map(Number) as [number, number, number, number, number];
  return month >= 1 && month <= 12 && day >= 1 && day <= 28 && hour < 24 && minute < 60 && second < 60;
}

/** Parses RFC3339 by hand: Date.parse is implementation-defined beyond 3 fraction digits. */
export function parseRfc3339(s: string): string | null {
  const m = RFC3339.exec(s);
  if (!m) return null;
  const [, y, mo, d, h, mi, sec, frac, zone = 'Z'] = m;
  const fraction = ((frac ?? '') + '000').slice(0, 3);
  const utc = zone === 'Z' || zone === 'z';
  // UTC with fields in range (every log line): the ISO text is the fields themselves, no Date needed.
  if (utc && inRange(mo, d, h, mi, sec)) return `${y}-${mo}-${d}T${h}:${mi}:${sec}.${fraction}Z`;
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), Number(fraction));
  const t = utc ? local : local - offsetMinutes(zone) * 60_000;
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

/** "+02:00", "-0430": minutes east of UTC. */
function offsetMinutes(zone: string): number {
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
}

/** go-kit writes RFC3339 strings; zap (controller-runtime) writes epoch seconds as a float. */
function timeFromTs(ts: unknown): string | null {
  if (typeof ts === 'number' && Number.isFinite(ts)) {
    const d = new Date(Math.round(ts * 1000));
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  return typeof ts === 'string' ? parseRfc3339(ts) : null;
}

// ---------------------------------------------------------------------------------------------
// Line shapes

// `kubectl logs --timestamps` / the API's timestamps=true prefix each line with RFC3339Nano and a
// space; CRI log files add "stdout F ". Both are optional.
const TIME_PREFIX = /^(\d{4}-\d{2}-\d{2}T\S+)\s+(?:(?:stdout|stderr) [FP] )?/;

// klog header: Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg
const KLOG = /^([IWEF])(\d{2})(\d{2}) (\d{2}:\d{2}:\d{2}\.\d+)\s+(\d+) ([^:\]\s]+):(\d+)\] ?(.*)$/;

const KLOG_LEVEL: Record<string, LogLevel> = { I: 'info', W: 'warn', E: 'error', F: 'error' };

// zap has extra levels; fold them onto the four go-kit ones.
const LEVELS: Record<string, LogLevel> = {
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  dpanic: 'error',
  panic: 'error',
  fatal: 'error',
};

// Loose shape check: any JSON object (not array/primitive) is a candidate log record. A JSON object's keys are
// strings, so checking them one by one (z.record) only cost time: a third of parsing a long log.
const JsonRecord = z.custom<Record<string, unknown>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
);

function parseJsonRecord(text: string): Record<string, unknown> | null {
  if (!text.startsWith('{')) return null;
  let value: unknown;
  try {
    // JSON.parse keeps the last of duplicate keys, exactly like go-kit's map-based JSON logger.
    value = JSON.parse(text);
  } catch {
    return null;
  }
  // Validate only; keep JSON.parse's own object, since zod's copy is null-prototype and drops
  // a literal "__proto__" key.
  return JsonRecord.safeParse(value).success ? (value as Record<string, unknown>) : null;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Renders a field value on one line (errors can be arrays or nested objects). */
function render(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

const MAX_SUMMARY = 500;

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_SUMMARY ? `${flat.slice(0, MAX_SUMMARY - 1)}…` : flat;
}

// Keys that say nothing about what happened; ignored when building a fallback summary.
const META_KEYS = new Set(['caller', 'level', 'ts', 'controller', 'logger', 'stacktrace']);

function summarise(f: Record<string, unknown>): string {
  for (const k of ['error', 'msg', 'event']) {
    if (f[k] !== undefined && f[k] !== null && f[k] !== '') return oneLine(render(f[k]));
  }
  // e.g. {"start reconcile":"ns/name"} brackets have none of the usual keys.
  const rest = Object.entries(f).filter(([k]) => !META_KEYS.has(k));
  return oneLine(rest.map(([k, v]) => `${k}=${render(v)}`).join(' '));
}

// ---------------------------------------------------------------------------------------------
// Classification

interface Rule {
  cause: LogCause;
  match: (f: Record<string, unknown>, level: LogLevel | null) => boolean;
}

const NO_CONFIG = 'no MetalLB configuration in cluster';
const RECONCILERS: Record<string, LogComponent> = {
  PoolReconciler: 'controller',
  ConfigReconciler: 'speaker',
  NodeReconciler: 'speaker',
};

// v0.15.3+: a reconciler patches its ConfigurationState before the ConfigurationStateReconciler has
// created it (right after start-up); the next reconcile succeeds once the object exists.
const CONFIGURATION_STATE_MISSING = /configurationstates\.metallb\.io \\?"([^"\\]+)\\?" not found/;

/** The ConfigurationState a "configurationstates.metallb.io "<name>" not found" error names, else null. */
export function missingConfigurationState(line: Pick<MetallbLogLine, 'fields'>): string | null {
  const error = line.fields['error'];
  return typeof error === 'string' ? (CONFIGURATION_STATE_MISSING.exec(error)?.[1] ?? null) : null;
}

/** The name in a ConfigurationStateReconciler "ConfigurationState created" line, else null. */
export function createdConfigurationState(line: Pick<MetallbLogLine, 'fields'>): string | null {
  const { event, name } = line.fields;
  return event === 'ConfigurationState created' && typeof name === 'string' ? name : null;
}

// First match wins; order matters where shapes overlap (see comments).
const RULES: readonly Rule[] = [
  // Before reconciler-error: the start-up race is logged both as "Reconciler error" and "failed to report condition".
  {
    cause: 'configuration-state-race',
    match: (f, level) => level === 'error' && missingConfigurationState({ fields: f }) !== null,
  },
  { cause: 'reconciler-error', match: (f) => f['msg'] === 'Reconciler error' },
  { cause: 'config-rejected-by-speaker', match: (f) => f['msg'] === 'new configuration rejected' },
  {
    cause: 'legacy-config-incompatible',
    match: (f) =>
      (f['op'] === 'setConfig' && f['msg'] === 'applying new configuration failed') ||
      f['event'] === 'reload failed, retry',
  },
  {
    cause: 'allocation-failure',
    match: (f) => f['op'] === 'allocateIPs' && f['msg'] === 'IP allocation failed',
  },
  // Before ip-cleared: "pools are empty" is logged with event=clearAssignment, reason=noConfig.
  {
    cause: 'no-config',
    match: (f) => f['msg'] === 'pools are empty' || f['event'] === NO_CONFIG || f['msg'] === NO_CONFIG,
  },
  { cause: 'ip-cleared', match: (f) => f['event'] === 'clearAssignment' },
  { cause: 'ip-allocated', match: (f) => f['event'] === 'ipAllocated' },
  {
    // The service reconciler's companion of the handler's own error line ("failed to handle service", ", retry",
    // ", no retry"): it carries no error of its own.
    cause: 'service-handling-failed',
    match: (f) => typeof f['event'] === 'string' && f['event'].startsWith('failed to handle service'),
  },
  {
    cause: 'ip-not-allowed-by-speaker',
    match: (f) => f['msg'] === 'IP allocated by controller not allowed by config',
  },
  { cause: 'deprecated-annotation', match: (f) => f['event'] === 'deprecatedAnnotation' },
  { cause: 'config-reloaded', match: (f) => f['event'] === 'config reloaded' },
  // The "failed to parse the configuration" text is lost: it is logged under "error" and then
  // overwritten by the real error under the same key, so match on shape instead. Lines with a
  // message (e.g. v0.16's "failed to report condition" while its ConfigurationState is being
  // created) are reconciler bookkeeping, not a rejected configuration.
  {
    cause: 'config-parse-error',
    match: (f, level) =>
      level === 'error' &&
      (f['controller'] === 'PoolReconciler' || f['controller'] === 'ConfigReconciler') &&
      'error' in f &&
      !('event' in f) &&
      !('msg' in f) &&
      !('message' in f),
  },
  { cause: 'other-error', match: (_f, level) => level === 'error' },
];

function classify(f: Record<string, unknown>, level: LogLevel | null): LogCause {
  return RULES.find((r) => r.match(f, level))?.cause ?? 'other';
}

// Causes that only one binary can log.
const CAUSE_COMPONENT: Partial<Record<LogCause, LogComponent>> = {
  'config-rejected-by-speaker': 'speaker',
  'ip-not-allowed-by-speaker': 'speaker',
  'allocation-failure': 'controller',
  'ip-allocated': 'controller',
  'ip-cleared': 'controller',
};

function componentOf(cause: LogCause, f: Record<string, unknown>, fallback: LogComponent): LogComponent {
  const byController = RECONCILERS[str(f['controller']) ?? ''];
  return CAUSE_COMPONENT[cause] ?? byController ?? fallback;
}

// Optimistic-concurrency conflicts (a reconcile, or the controller's own Service status write racing another
// writer) are retried by the controller and resolve on their own.
const CONFLICT = 'the object has been modified';

function isTransient(cause: LogCause, summary: string): boolean {
  if (cause === 'config-rejected-by-speaker') return true; // expected mid pool edit
  return summary.includes(CONFLICT);
}

// ---------------------------------------------------------------------------------------------
// Public parsing

function fromJson(
  raw: string,
  f: Record<string, unknown>,
  prefixTime: string | null,
  fallback: LogComponent,
): MetallbLogLine {
  const level = LEVELS[str(f['level'])?.toLowerCase() ?? ''] ?? null;
  const cause = classify(f, level);
  const summary = summarise(f);
  return {
    raw,
    kind: 'json',
    time: timeFromTs(f['ts']) ?? prefixTime,
    level,
    fields: f,
    cause,
    component: componentOf(cause, f, fallback),
    transient: isTransient(cause, summary),
    summary,
  };
}

function fromKlog(raw: string, m: RegExpExecArray, prefixTime: string | null, fallback: LogComponent): MetallbLogLine {
  const [, sev = 'I', month, day, clock, thread, file, line, message = ''] = m;
  const level = KLOG_LEVEL[sev] ?? null;
  const fields = {
    severity: sev,
    month: Number(month),
    day: Number(day),
    time: clock,
    thread: Number(thread),
    caller: `${file}:${line}`,
    msg: message,
  };
  return {
    raw,
    kind: 'klog',
    // klog omits the year, so only a timestamp prefix gives a usable time.
    time: prefixTime,
    level,
    fields,
    cause: level === 'error' ? 'other-error' : 'other',
    component: fallback,
    transient: false,
    summary: oneLine(message),
  };
}

/** Parses one line; its credentials (BGP passwords, MetalLB's dump of CRs and Secrets) are redacted. */
export function parseMetallbLogLine(line: string, defaultComponent?: 'controller' | 'speaker'): MetallbLogLine {
  const fallback: LogComponent = defaultComponent ?? 'unknown';
  const raw = redactLogLine(String(line ?? ''));
  const text = raw.replace(/\r$/, '').trim();
  const prefix = TIME_PREFIX.exec(text);
  const prefixTime = prefix?.[1] ? parseRfc3339(prefix[1]) : null;
  // Only strip the prefix if it really was a timestamp.
  const body = prefixTime ? text.slice(prefix?.[0].length ?? 0) : text;

  const json = parseJsonRecord(body);
  if (json) return fromJson(raw, json, prefixTime, fallback);
  const klog = KLOG.exec(body);
  if (klog) return fromKlog(raw, klog, prefixTime, fallback);
  return {
    raw,
    kind: 'unparsed',
    time: prefixTime,
    level: null,
    fields: {},
    cause: 'other',
    component: fallback,
    transient: false,
    summary: oneLine(body),
  };
}

/** Which lines a caller wants: `raw` may skip a line unparsed (cheap), `parsed` drops it once parsed. */
export interface LogLineFilter {
  raw?: (line: string) => boolean;
  parsed?: (line: MetallbLogLine) => boolean;
}

/**
 * Splits on newlines, skipping blank lines. The filter drops the lines a caller has no use for as they
 * are read, so a long log (tens of thousands of lines in an hour) is never held as parsed lines at once.
 */
export function parseMetallbLogWhere(
  text: string,
  defaultComponent: 'controller' | 'speaker' | undefined,
  filter: LogLineFilter,
): MetallbLogLine[] {
  const lines: MetallbLogLine[] = [];
  for (const rawLine of String(text ?? '').split(/\r?\n/)) {
    if (rawLine.trim() === '' || (filter.raw && !filter.raw(rawLine))) continue;
    const line = parseMetallbLogLine(rawLine, defaultComponent);
    if (!filter.parsed || filter.parsed(line)) lines.push(line);
  }
  return lines;
}

/** Every line of a log, parsed; `keep` drops those a caller has no use for. */
export function parseMetallbLog(
  text: string,
  defaultComponent?: 'controller' | 'speaker',
  keep: (line: MetallbLogLine) => boolean = () => true,
): MetallbLogLine[] {
  return parseMetallbLogWhere(text, defaultComponent, { parsed: keep });
}

/** The causes diagnose reports as findings (domain/diagnose/component-errors.ts). */
export const reportedCauses: readonly LogCause[] = [
  'config-parse-error',
  'legacy-config-incompatible',
  'config-rejected-by-speaker',
  'ip-not-allowed-by-speaker',
  'allocation-failure',
  'reconciler-error',
  'configuration-state-race',
  'other-error',
  'ip-cleared',
  'no-config',
];

/** The lines a diagnosis reads: reported causes, config reloads, and ConfigurationStates logged as created. */
export function readForReport(line: MetallbLogLine): boolean {
  return (
    reportedCauses.includes(line.cause) || line.cause === 'config-reloaded' || createdConfigurationState(line) !== null
  );
}

// Every literal a RULES match (or createdConfigurationState) reads, and the words of every error level.
const REPORTABLE_HINT = new RegExp(
  [
    'error|panic|fatal|rejected|failed|pools are empty|no MetalLB configuration|clearAssignment',
    'not allowed by config|config reloaded|ConfigurationState created',
  ].join('|'),
  'i',
);

/**
 * False only for a JSON line that holds none of the words a line readForReport keeps is matched on:
 * parsed, it would be dropped. A busy controller's hour is mostly such
 * lines (its reconcile brackets), so a caller that reports causes skips parsing them. Other lines
 * (klog, unparsed) are always parsed: their level sits in a prefix letter.
 */
export function mayBeReportable(rawLine: string): boolean {
  if (REPORTABLE_HINT.test(rawLine)) return true;
  const text = rawLine.trim();
  const prefix = TIME_PREFIX.exec(text);
  return !(prefix ? text.slice(prefix[0].length) : text).startsWith('{');
}

// ---------------------------------------------------------------------------------------------
// Grouping

/** toISOString()'s format: what parseRfc3339 returns for UTC times. */
const ECMASCRIPT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Epoch ms of an ISO/RFC3339 string; other date strings fall back to Date.parse; null when it does not parse. */
export function epochMs(iso: string | null): number | null {
  if (iso === null) return null;
  // The parsed lines' own times are already in ECMAScript's date format, which Date.parse reads exactly.
  const t = Date.parse(ECMASCRIPT_TIME.test(iso) ? iso : (parseRfc3339(iso) ?? iso));
  return Number.isNaN(t) ? null : t;
}

function byCountThenFirst(a: LogGroup, b: LogGroup): number {
  if (a.count !== b.count) return b.count - a.count;
  // Groups without a time sort after those with one.
  return (epochMs(a.first) ?? Infinity) - (epochMs(b.first) ?? Infinity) || 0;
}

interface Acc extends LogGroup {
  components: Set<string>;
  distinct: Set<string>;
  /** Epoch ms of first and last: each line's time is parsed once. */
  firstMs: number | null;
  lastMs: number | null;
}

/** Causes whose lines are grouped by the shape of their message (messageShape) rather than by its exact text. */
const TEMPLATED_CAUSES: ReadonlySet<LogCause> = new Set<LogCause>(['other-error', 'reconciler-error', 'ip-cleared']);

/** At most this many different summaries a group keeps to name objects (a failure may hit every Service). */
export const MAX_GROUP_SUMMARIES = 20;

// Quoted names (plain or escaped quotes), then any word holding a digit (UIDs, versions, storage keys, codes).
const MASKED = [/\\?"[^"\\]*\\?"/g, /\S*\d\S*/g] as const;

/** The message with the parts that name one object masked: "failed on services \"…\": code #". */
export function messageShape(summary: string): string {
  return summary.replace(MASKED[0], '"…"').replace(MASKED[1], '#');
}

const groupKey = (line: MetallbLogLine): string =>
  `${line.cause}: ${TEMPLATED_CAUSES.has(line.cause) ? messageShape(line.summary) : line.summary}`;

function newGroup(line: MetallbLogLine, key: string, time: number | null): Acc {
  return {
    firstMs: time,
    lastMs: time,
    cause: line.cause,
    component: '',
    key,
    summary: line.summary,
    variants: 1,
    summaries: [line.summary],
    distinct: new Set([line.summary]),
    count: 1,
    first: line.time,
    last: line.time,
    example: line.raw,
    transient: line.transient,
    components: new Set([line.component]),
  };
}

// A line without a time never replaces first or last; one with a time replaces a group's missing one.
function widen(group: Acc, line: MetallbLogLine, time: number | null): void {
  if (time === null) return;
  if (group.firstMs === null || time < group.firstMs) [group.first, group.firstMs] = [line.time, time];
  if (group.lastMs === null || time > group.lastMs) [group.last, group.lastMs] = [line.time, time];
}

function addToGroup(group: Acc, line: MetallbLogLine, time: number | null): void {
  group.count += 1;
  widen(group, line, time);
  group.transient &&= line.transient;
  group.components.add(line.component);
  if (group.distinct.has(line.summary)) return;
  group.distinct.add(line.summary);
  if (group.summaries.length < MAX_GROUP_SUMMARIES) group.summaries.push(line.summary);
}

const finished = ({ components, distinct, firstMs: _first, lastMs: _last, ...group }: Acc): LogGroup => ({
  ...group,
  variants: distinct.size,
  component: [...components].sort().join(','),
});

/** Lines of the causes asked for, at or after `since`, grouped (groupKey) and sorted by count, then first time. */
export function groupLogLines(
  lines: readonly MetallbLogLine[],
  opts: { since?: string; includeCauses?: readonly LogCause[] } = {},
): LogGroup[] {
  const since = opts.since === undefined ? null : epochMs(opts.since);
  const include = opts.includeCauses ? new Set(opts.includeCauses) : null;
  // Lines without a time cannot be placed, so they are kept rather than dropped.
  const tooOld = (t: number | null): boolean => since !== null && t !== null && t < since;
  const groups = new Map<string, Acc>();
  for (const line of lines) {
    if (include && !include.has(line.cause)) continue;
    const t = epochMs(line.time);
    if (tooOld(t)) continue;
    const key = groupKey(line);
    const group = groups.get(key);
    if (group) addToGroup(group, line, t);
    else groups.set(key, newGroup(line, key, t));
  }
  return [...groups.values()].map(finished).sort(byCountThenFirst);
}
