// Human rendering of a DiagnosisReport for a terminal at 3 a.m.: the verdict and the root causes first,
// each with the exact fix command and, indented beneath it, the findings it causes; then info. Kept apart
// from report.ts because picocolors reads `process` at import time, which Temporal workflow code must not touch.
import Table from 'cli-table3';
import pc from 'picocolors';
import type { DiagnosisReport, Finding, ObjectRef, Severity } from './report.js';

type Colors = ReturnType<typeof pc.createColors>;

const WIDTH = 100;
const MAX_OBJECTS = 10;

const HEADINGS: Record<Severity, { label: string; mark: string; paint: (c: Colors) => (s: string) => string }> = {
  error: { label: 'ERRORS', mark: '✗', paint: (c) => c.red },
  warning: { label: 'WARNINGS', mark: '!', paint: (c) => c.yellow },
  info: { label: 'INFO', mark: 'i', paint: (c) => c.cyan },
};

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(indent + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

const MAX_EXAMPLE = 300;

// Log findings carry one raw example line; shown on one line, shortened.
function exampleLine(f: Finding): string[] {
  const example = f.data?.['example'];
  if (typeof example !== 'string' || example.trim() === '') return [];
  const flat = example.trim().replace(/\s+/g, ' ');
  return [`    log: ${flat.length > MAX_EXAMPLE ? `${flat.slice(0, MAX_EXAMPLE - 1)}…` : flat}`];
}

const objectText = (o: ObjectRef): string => `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;

function objectsLine(objects: readonly ObjectRef[]): string[] {
  if (objects.length === 0) return [];
  const shown = objects.slice(0, MAX_OBJECTS).map(objectText).join(', ');
  const more = objects.length > MAX_OBJECTS ? ` … and ${objects.length - MAX_OBJECTS} more` : '';
  return wrap(`objects: ${shown}${more}`, '    ');
}

function renderFinding(f: Finding, c: Colors): string[] {
  const heading = HEADINGS[f.severity];
  const lines = [`${heading.paint(c)(heading.mark)} ${c.bold(f.title)} ${c.dim(`[${f.id}]`)}`];
  lines.push(
    ...wrap(f.detail, '    ').map((l) => c.dim(l)),
    ...exampleLine(f).map((l) => c.dim(l)),
    ...objectsLine(f.objects),
  );
  if (f.fix !== null) {
    lines.push(`    fix: ${c.green(f.fix.command)}`, ...wrap(f.fix.explanation, '         ').map((l) => c.dim(l)));
  }
  return lines;
}

function summaryLine(report: DiagnosisReport, c: Colors): string {
  const { summary, cluster } = report;
  const where =
    cluster.metallbNamespace === null
      ? 'MetalLB not found'
      : `MetalLB ${cluster.metallbVersion ?? '(version unknown)'} in ${cluster.metallbNamespace}`;
  const context = cluster.context ? ` (context ${cluster.context})` : '';
  const verdict = summary.healthy ? c.green('healthy') : c.red('NOT healthy');
  const counts = `${plural(summary.errors, 'error')}, ${plural(summary.warnings, 'warning')}, ${summary.infos} info`;
  const scope = `${plural(summary.servicesChecked, 'Service')} and ${plural(summary.poolsChecked, 'pool')} checked`;
  return `${where}${context}: ${verdict}: ${counts}; ${scope}`;
}

function capacityTable(report: DiagnosisReport, color: boolean): string[] {
  if (report.capacity.length === 0) return [];
  const style = color ? {} : { head: [], border: [] };
  const table = new Table({ head: ['Pool', 'Family', 'Used', 'Capacity', 'Used %', 'Auto-assign'], style });
  for (const row of report.capacity) {
    table.push([
      row.pool,
      row.family,
      row.used,
      row.capacity,
      `${row.usedPercent.toFixed(1)}%`,
      row.autoAssign ? 'yes' : 'no',
    ]);
  }
  return ['', 'CAPACITY', table.toString()];
}

/** "1 problem (overlapping pools a and b) causing 8 findings", or null when there is none. */
export function problemsLine(report: DiagnosisReport): string | null {
  const { rootCauses, consequences } = report.summary;
  if (rootCauses.length === 0) return null;
  const shown = rootCauses.slice(0, 3).map((r) => r.headline);
  const more = rootCauses.length > 3 ? `; and ${rootCauses.length - 3} more` : '';
  const causing = consequences > 0 ? ` causing ${plural(consequences, 'finding')}` : '';
  return `${plural(rootCauses.length, 'problem')} (${shown.join('; ')}${more})${causing}`;
}

function renderConsequence(f: Finding, c: Colors): string[] {
  const heading = HEADINGS[f.severity];
  return wrap(`${f.title} [${f.id}]`, '        ').map((line, i) =>
    i === 0 ? `      ↳ ${heading.paint(c)(heading.mark)} ${line.trimStart()}` : line,
  );
}

function renderRoot(root: Finding, consequences: readonly Finding[], c: Colors): string[] {
  const lines = renderFinding(root, c);
  if (consequences.length === 0) return lines;
  lines.push(`    ${c.dim(`causes ${plural(consequences.length, 'finding')}:`)}`);
  for (const f of consequences) lines.push(...renderConsequence(f, c));
  return lines;
}

/**
 * Summary line and the problems line first, then the root causes (most severe first) with their consequences
 * indented beneath, then root causes at info, then the capacity table.
 */
export function renderHuman(report: DiagnosisReport, opts: { color: boolean }): string {
  const c = pc.createColors(opts.color);
  const lines = [summaryLine(report, c)];
  const problems = problemsLine(report);
  if (problems !== null) lines.push(c.bold(problems));
  const byKey = new Map(report.findings.map((f) => [f.key, f]));
  const consequencesOf = (key: string) => report.findings.filter((f) => f.causedBy === key);
  const roots = report.summary.rootCauses.flatMap((r) => byKey.get(r.key) ?? []);
  if (roots.length > 0) lines.push('', c.bold(`ROOT CAUSES (${roots.length})`));
  for (const root of roots) lines.push(...renderRoot(root, consequencesOf(root.key), c));
  const infos = report.findings.filter((f) => f.causedBy === null && !roots.includes(f));
  if (infos.length > 0) lines.push('', HEADINGS.info.paint(c)(c.bold(`INFO (${infos.length})`)));
  for (const f of infos) lines.push(...renderRoot(f, consequencesOf(f.key), c));
  lines.push('', c.dim(report.announcement.note));
  lines.push(...capacityTable(report, opts.color));
  return lines.join('\n');
}
