// The run of `metallb-runbooks history`: reads the audit log (never Temporal, whose retention deletes
// closed runs), filters, and prints a table, one record, the stored lines, or the chain's verdict.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultAuditDirectory } from '../../audit/directory.js';
import { readLines, verifyAuditLog } from '../../audit/log-store.js';
import { actorName } from '../../domain/audit/identity.js';
import { changeOutcomes } from '../../domain/audit/outcome.js';
import {
  objectRef,
  outcomeNamed,
  recordMatches,
  recordNamed,
  sourceNamed,
  type HistoryFilter,
} from '../../domain/audit/query.js';
import { movedServices, recordSource, type ChainedRecord } from '../../domain/audit/record.js';
import { parseDurationSeconds } from '../../domain/duration.js';
import { UsageError } from '../usage-error.js';
import type { HistoryFlags } from './history.js';
import { observedLines, recordLines, type ObservedEffects } from './history-show.js';

const defaultKubeconfig = path.join(os.homedir(), '.kube', 'config');

/** The kubeconfig `history show` reads Events with: as the audit directory is picked (the local lab's by default). */
async function kubeconfigOf(flags: HistoryFlags): Promise<string | undefined> {
  if (flags.kubeconfig) return flags.kubeconfig;
  if (!flags.lab && (process.env.KUBECONFIG || existsSync(defaultKubeconfig))) return undefined;
  const { labClusterAccess } = await import('../lab-access.js');
  return labClusterAccess().kubeconfig;
}

async function auditDirectory(flags: HistoryFlags): Promise<string> {
  if (flags.auditDir || process.env.METALLB_RUNBOOKS_AUDIT_DIR) return flags.auditDir ?? defaultAuditDirectory();
  // As diagnose does: nothing names a cluster, so the local lab's log. The lab module (and the Kubernetes client it
  // brings, a third of a second of start-up) is loaded only then.
  const labOnly = flags.lab || (!flags.kubeconfig && !process.env.KUBECONFIG && !existsSync(defaultKubeconfig));
  if (!labOnly) return defaultAuditDirectory(flags.kubeconfig);
  const { labClusterAccess } = await import('../lab-access.js');
  return defaultAuditDirectory(labClusterAccess().kubeconfig);
}

/** --limit: how many of the newest matches to show (0: all). */
function limitOf(flags: HistoryFlags): number {
  const limit = Number(flags.limit ?? '50');
  if (!Number.isInteger(limit) || limit < 0)
    throw new UsageError(`--limit ${flags.limit} is not a count; give e.g. 50, or 0 for all`);
  return limit;
}

/** --outcome, --source, --object: each named one of what it may be. */
function choiceFilters(flags: HistoryFlags): HistoryFilter {
  const filter: HistoryFilter = {};
  if (flags.outcome) {
    const outcome = outcomeNamed(flags.outcome);
    if (!outcome)
      throw new UsageError(`--outcome ${flags.outcome} is not an outcome; give one of ${changeOutcomes.join(', ')}`);
    filter.outcome = outcome;
  }
  if (flags.source) {
    const source = sourceNamed(flags.source);
    if (!source) throw new UsageError(`--source ${flags.source} is not a source; give ours or outside`);
    filter.source = source;
  }
  if (flags.object) {
    const ref = objectRef(flags.object);
    if (!ref) throw new UsageError(`--object ${flags.object} names no object; give e.g. pool/demo-pool or svc/ns/name`);
    filter.object = ref;
  }
  return filter;
}

function filterOf(flags: HistoryFlags): HistoryFilter {
  const filter: HistoryFilter = {};
  if (flags.cluster) filter.cluster = flags.cluster;
  if (flags.runbook) filter.runbook = flags.runbook;
  if (flags.since) {
    const seconds = parseDurationSeconds(flags.since);
    if (seconds === null) throw new UsageError(`--since ${flags.since} is not a duration; give e.g. 30m, 12h, 7d`);
    filter.since = Date.now() - seconds * 1000;
  }
  return { ...filter, ...choiceFilters(flags) };
}

/** A line that cannot match: a value filtered on is nowhere in it (no need to parse it). */
function cannotMatch(line: string, filter: HistoryFilter): boolean {
  const wanted = [filter.cluster, filter.runbook, filter.outcome, filter.object].filter((value) => value !== undefined);
  return wanted.some((value) => !line.includes(JSON.stringify(value)));
}

/** The matching records with their stored lines, oldest first; only the last `keep` when given. */
async function matching(
  directory: string,
  filter: HistoryFilter,
  keep = Infinity,
): Promise<{ found: { line: string; record: ChainedRecord }[]; total: number }> {
  const found: { line: string; record: ChainedRecord }[] = [];
  let total = 0;
  for await (const line of readLines(directory)) {
    if (cannotMatch(line, filter)) continue;
    let record: ChainedRecord;
    try {
      record = JSON.parse(line) as ChainedRecord;
    } catch {
      continue;
    }
    if (!recordMatches(record, filter)) continue;
    total++;
    found.push({ line, record });
    if (found.length > keep) found.shift();
  }
  return { found, total };
}

/** A watched change reads as its action ("update"), a relist's as "changes while not watching". */
function labelOf(record: ChainedRecord): string {
  if (!record.observed) return record.runbook;
  return record.observed.gap ? 'changes while not watching' : (record.observed.objects[0]?.action ?? record.runbook);
}

function whatOf(record: ChainedRecord): string {
  const objects = record.objects.slice(0, 3).join(', ');
  const more = record.objects.length > 3 ? ` +${record.objects.length - 3}` : '';
  return objects ? `${labelOf(record)}: ${objects}${more}` : labelOf(record);
}

function movedOf(record: ChainedRecord): string {
  // The config watch cannot know the effects when it records: `history show` reads them from the Events.
  if (record.observed) return 'see history show';
  const moved = movedServices(record.services);
  if (moved.length === 0) return record.servicesAfterUnknown ? 'unknown' : 'none';
  const shown = moved
    .slice(0, 3)
    .map((change) => `${change.service} ${change.before.join(',') || '-'} -> ${change.after.join(',') || '-'}`);
  return moved.length > 3 ? `${shown.join('; ')}; +${moved.length - 3}` : shown.join('; ');
}

/** Columns padded to their widest cell, as `kubectl get` prints them: fast for thousands of rows. */
function columns(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, index) => Math.max(...rows.map((row) => row[index]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, index) => cell.padEnd(widths[index]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function printTable(records: readonly ChainedRecord[], directory: string, total: number): void {
  if (records.length === 0) {
    console.log(`no change recorded in ${directory} matches`);
    return;
  }
  const head = ['#', 'ENDED', 'CLUSTER', 'SOURCE', 'WHAT', 'WHO', 'OUTCOME', 'SERVICE IPS CHANGED', 'RUN ID'];
  const rows = records.map((record) => [
    String(record.seq),
    record.endedAt.replace(/\.\d+Z$/, 'Z'),
    record.cluster,
    recordSource(record),
    whatOf(record),
    record.observed ? `manager ${actorName(record.requester)}` : actorName(record.requester),
    record.outcome,
    movedOf(record),
    record.runId,
  ]);
  console.log(columns([head, ...rows]));
  if (total > records.length) console.log(`(the last ${records.length} of ${total}; --limit 0 shows all)`);
}

// Parse only lines that can be it: the id is in the line unless it names the record's number.
const mayBe = (line: string, id: string) => id.startsWith('#') || line.includes(id);

/** The line's record when it is a watched change on `after`'s cluster (it bounds `after`'s effects). */
function watchedOn(line: string, after: ChainedRecord): ChainedRecord | undefined {
  if (!line.includes('"source":"outside"')) return undefined;
  const candidate = JSON.parse(line) as ChainedRecord;
  return candidate.observed && candidate.cluster === after.cluster ? candidate : undefined;
}

/** The record `id` names, and the next watched change on its cluster after it (if any). */
async function findRecord(directory: string, id: string) {
  const found: ChainedRecord[] = [];
  let next: ChainedRecord | undefined;
  for await (const line of readLines(directory)) {
    if (found.length === 1 && next === undefined) next = watchedOn(line, found[0]!);
    if (!mayBe(line, id)) continue;
    const record = JSON.parse(line) as ChainedRecord;
    if (recordNamed(record, id)) found.push(record);
  }
  if (found.length === 0)
    throw new UsageError(`no record ${id} in ${directory}; list them with: metallb-runbooks history`);
  if (found.length > 1) throw new UsageError(`${id} names ${found.length} records; give more of the run id`);
  return { record: found[0]!, next };
}

async function show(directory: string, id: string, flags: HistoryFlags): Promise<number> {
  const { record, next } = await findRecord(directory, id);
  if (flags.output === 'json') console.log(JSON.stringify(record, null, 2));
  else if (record.observed) console.log(observedLines(record, await observedEffects(record, next, flags)).join('\n'));
  else console.log(recordLines(record).join('\n'));
  return 0;
}

/** The Services whose IPs the controller changed in the minute after a watched change, from its Events. */
async function observedEffects(
  record: ChainedRecord,
  next: ChainedRecord | undefined,
  flags: HistoryFlags,
): Promise<ObservedEffects> {
  try {
    const { loadKubeConfig } = await import('../../kube/client.js');
    const { readServiceIpEvents } = await import('../../kube/service-ip-events.js');
    const { changeTimeOf, servicesAfter } = await import('../../domain/audit/service-effects.js');
    const kubeconfig = await kubeconfigOf(flags);
    const events = await readServiceIpEvents(loadKubeConfig({ kubeconfig }));
    return { effects: servicesAfter(events, changeTimeOf(record), next ? changeTimeOf(next) : null) };
  } catch (error) {
    return { unknown: `cannot read the controller's Events: ${(error as Error).message}` };
  }
}

async function verify(directory: string): Promise<number> {
  const verdict = await verifyAuditLog(directory);
  if (verdict.breaks.length === 0) {
    console.log(`audit log ${directory}: ${verdict.records} record(s), hash chain intact`);
    return 0;
  }
  for (const broken of verdict.breaks)
    console.log(`audit log ${directory}: chain broken at line ${broken.line} (record ${broken.id}): ${broken.why}`);
  return 1;
}

/** list's and export's flags, checked first: a typo is named whether or not there is a log yet. */
function listingFlags(verb: string, flags: HistoryFlags): { filter: HistoryFilter; limit: number } {
  if (verb !== 'list' && verb !== 'export') return { filter: {}, limit: 0 };
  if (!['table', 'json', 'jsonl'].includes(flags.output))
    throw new UsageError(`-o ${flags.output} is not a format; give table or json`);
  return { filter: filterOf(flags), limit: verb === 'list' ? limitOf(flags) : 0 };
}

/** Runs one `history` subcommand; returns the exit code. */
export async function runHistory(
  verb: 'list' | 'show' | 'export' | 'verify',
  flags: HistoryFlags,
  id?: string,
): Promise<number> {
  const { filter, limit } = listingFlags(verb, flags);
  const directory = await auditDirectory(flags);
  if (!existsSync(directory))
    throw new UsageError(`no audit log at ${directory}: give the worker's --audit-dir (or run a change first)`);
  if (verb === 'verify') return verify(directory);
  if (verb === 'show') return show(directory, id ?? '', flags);
  if (verb === 'export') {
    const { found } = await matching(directory, filter);
    process.stdout.write(found.map(({ line }) => `${line}\n`).join(''));
    return 0;
  }
  const { found, total } = await matching(directory, filter, limit === 0 ? Infinity : limit);
  const shown = found.map(({ record }) => record);
  if (flags.output === 'json') console.log(JSON.stringify(shown));
  else printTable(shown, directory, total);
  return 0;
}
