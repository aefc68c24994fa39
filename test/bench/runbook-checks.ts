// What the popular runbook's checks 1-3 show, read from their kubectl output the way its text says
// to read it (bench:diagnose-live), and what `diagnose -o json` found, so the two can be compared.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { buildPoolIndex, parsePoolAddresses, type PoolAddresses } from '../../domain/addresses.js';

/** The runbook's findings: what a reader of its three checks' output can see. */
export interface RunbookFindings {
  /** Check 1: "a service has an IP that does not fall within any current pool's range". */
  ipsOutsideEveryPool: string[];
  /** Check 2: controller log lines of the last hour matching error|warn|stale|invalid|failed, by message. */
  logLinesByMessage: Map<string, number>;
  /** Check 3: advertisements naming a pool that is not in the pool list. */
  advertisementsNamingMissingPools: string[];
}

const read = (directory: string, check: string): string => readFileSync(path.join(directory, `${check}.out`), 'utf8');
const rows = (text: string): string[][] =>
  text
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => line.trim().split(/\s+/));

function poolsOf(text: string): PoolAddresses[] {
  return rows(text).flatMap(([name, ...addresses]) => {
    const entries = addresses
      .join(' ')
      .replace(/^\[|\]$/g, '')
      .split(/\s+/)
      .filter(Boolean);
    const parsed = parsePoolAddresses(entries);
    return parsed.ok && name ? [{ name, intervals: parsed.value, avoidBuggyIPs: false }] : [];
  });
}

function logMessages(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split('\n').filter(Boolean)) {
    let message = line.slice(0, 80);
    try {
      const parsed = JSON.parse(line) as { level?: string; msg?: string };
      message = `${parsed.level ?? '?'}: ${parsed.msg ?? line.slice(0, 80)}`;
    } catch {
      // not a JSON line: counted by its first 80 characters
    }
    counts.set(message, (counts.get(message) ?? 0) + 1);
  }
  return counts;
}

function advertisementsNamingMissing(directory: string, poolNames: ReadonlySet<string>): string[] {
  const lists = ['l2advertisements', 'bgpadvertisements'].flatMap((check) =>
    parseAllDocuments(read(directory, check)).map((document) => document.toJS() as { items?: unknown[] }),
  );
  const items = lists.flatMap((list) => (list.items ?? []) as { metadata: { name: string }; spec?: object }[]);
  return items
    .filter((item) =>
      ((item.spec as { ipAddressPools?: string[] })?.ipAddressPools ?? []).some((p) => !poolNames.has(p)),
    )
    .map((item) => item.metadata.name);
}

/** Reads the checks' output files (`<check>.out` in directory) as the runbook tells its reader to. */
export function readRunbookFindings(directory: string): RunbookFindings {
  const index = buildPoolIndex(poolsOf(read(directory, 'pools')));
  const ipsOutsideEveryPool = rows(read(directory, 'service-ips'))
    .filter(([, , ip]) => ip !== undefined && index.poolsContaining(ip).length === 0)
    .map(([namespace, name, ip]) => `${namespace}/${name} ${ip}`);
  const poolNames = new Set(read(directory, 'pool-names').split('\n').filter(Boolean));
  return {
    ipsOutsideEveryPool,
    logLinesByMessage: logMessages(read(directory, 'controller-log')),
    advertisementsNamingMissingPools: advertisementsNamingMissing(directory, poolNames),
  };
}

/** diagnose's findings by rule id, from its JSON report. */
export function diagnoseFindings(reportJson: string): Map<string, number> {
  const report = JSON.parse(reportJson) as { findings: { id: string }[] };
  const counts = new Map<string, number>();
  for (const finding of report.findings) counts.set(finding.id, (counts.get(finding.id) ?? 0) + 1);
  return counts;
}

/** Prints both sides' findings and whether diagnose shows everything the runbook's checks show. */
export function compareFindings(runbook: RunbookFindings, ours: ReadonlyMap<string, number>): void {
  const logLines = [...runbook.logLinesByMessage.values()].reduce((sum, count) => sum + count, 0);
  console.log('  what the runbook checks show:');
  console.log(`    check 1, IPs outside every pool: ${runbook.ipsOutsideEveryPool.length}`);
  console.log(`    check 2, matching controller log lines: ${logLines}`);
  for (const [message, count] of runbook.logLinesByMessage) console.log(`      ${count} x ${message}`);
  console.log(`    check 3, advertisements naming a missing pool: ${runbook.advertisementsNamingMissingPools.length}`);
  const has = (id: string) => (ours.get(id) ?? 0) > 0;
  const missed = [
    runbook.ipsOutsideEveryPool.length > 0 && !has('orphaned-ip') ? 'IPs outside every pool' : null,
    runbook.advertisementsNamingMissingPools.length > 0 && !has('advertisement-unknown-pool')
      ? 'advertisements naming a missing pool'
      : null,
  ].filter((item): item is string => item !== null);
  const found = [...ours].map(([id, count]) => `${id} ${count}`).join(', ') || 'nothing';
  console.log(`  what diagnose finds: ${found}`);
  console.log(
    `  diagnose shows everything checks 1 and 3 show: ${missed.length === 0 ? 'yes' : `no (${missed.join(', ')})`}`,
  );
}
