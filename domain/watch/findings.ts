// Diagnosis findings as a watch tracks them: a stable key per finding, and what changed between two runs.
// Pure: the activity and the workflow both use it.
import type { Finding, ObjectRef } from '../diagnose/report.js';
import type { WatchedFinding } from './types.js';

const refText = (ref: ObjectRef): string => `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;

/** The finding as the watch keeps it; `now` becomes its `since` unless an earlier run saw it first. */
export function watchedFinding(finding: Finding, now: string): WatchedFinding {
  const service = finding.objects.find((ref) => ref.kind === 'Service');
  return {
    // Titles carry addresses and counts that change; the rule and its objects do not.
    key: [finding.id, ...finding.objects.map(refText)].join('|'),
    id: finding.id,
    check: finding.check,
    severity: finding.severity,
    title: finding.title,
    object: finding.objects[0] ? refText(finding.objects[0]) : 'cluster',
    command: finding.fix?.command ?? null,
    runbook: finding.fix?.runbook ?? null,
    service: service ? `${service.namespace ?? 'default'}/${service.name}` : null,
    since: now,
  };
}

/** Findings worth an alert: warnings and errors (infos such as capacity rows are not drift). */
export function alertable(findings: readonly Finding[]): Finding[] {
  return findings.filter((finding) => finding.severity !== 'info');
}

/** What changed from `previous` to `current`: open keeps each finding's first `since`. */
export interface FindingChanges {
  open: WatchedFinding[];
  opened: WatchedFinding[];
  resolved: WatchedFinding[];
}

/** Compares two runs' findings by key. */
export function compareFindings(
  previous: readonly WatchedFinding[],
  current: readonly WatchedFinding[],
): FindingChanges {
  const before = new Map(previous.map((finding) => [finding.key, finding]));
  const nowKeys = new Set(current.map((finding) => finding.key));
  const open = uniqueByKey(current).map((finding) => {
    const seen = before.get(finding.key);
    return seen ? { ...finding, since: seen.since } : finding;
  });
  return {
    open,
    opened: open.filter((finding) => !before.has(finding.key)),
    resolved: previous.filter((finding) => !nowKeys.has(finding.key)),
  };
}

function uniqueByKey(findings: readonly WatchedFinding[]): WatchedFinding[] {
  const byKey = new Map<string, WatchedFinding>();
  for (const finding of findings) if (!byKey.has(finding.key)) byKey.set(finding.key, finding);
  return [...byKey.values()];
}
