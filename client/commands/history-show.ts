// `history show`: one record as an operator reads it at 3 a.m.: who, the outcome, the step timeline,
// the diff field by field, every Service's IPs before and after, the approvals.
import { actorName, type Actor } from '../../domain/audit/identity.js';
import type { ChainedRecord, ObservedDetails } from '../../domain/audit/record.js';
import { effectLine, type ServiceEffect } from '../../domain/audit/service-effects.js';
import { serviceIpTable, table } from '../terminal.js';

const value = (field: unknown) => (field === undefined ? '<absent>' : JSON.stringify(field));

function actorLine(actor: Actor): string {
  const kube = actor.kubernetes
    ? `${actor.kubernetes.username} (groups ${actor.kubernetes.groups.join(', ') || 'none'})`
    : `unknown to the cluster (${actor.kubernetesUnknownBecause ?? 'no reason given'})`;
  return `${kube}; OS user ${actor.osUser}; Temporal client ${actor.temporalIdentity}`;
}

function headLines(record: ChainedRecord): string[] {
  return [
    `change #${record.seq} ${record.id}`,
    `  ${record.runbook} on cluster ${record.cluster}: ${record.outcome}${record.reason ? ` (${record.reason})` : ''}`,
    `  requested by ${actorLine(record.requester)}`,
    `  started ${record.startedAt}, ended ${record.endedAt}`,
    ...(record.input.files.length ? ['  files:'] : []),
    ...record.input.files.map((file) => `    ${file.file} sha256:${file.sha256}`),
    `  flags: ${JSON.stringify(record.input.flags)}`,
  ];
}

function decisionLines(record: ChainedRecord): string[] {
  if (record.decisions.length === 0) return [];
  return [
    'approvals:',
    ...record.decisions.map(
      (decision) =>
        `  ${decision.at} ${decision.verb} by ${actorName(decision.by)}` +
        (decision.refused ? ` REFUSED: ${decision.refused}` : '') +
        (decision.reason ? ` (${decision.reason})` : ''),
    ),
  ];
}

function stepTable(record: ChainedRecord): string[] {
  if (record.steps.length === 0) return [];
  const rows = table(['step', 'status', 'started', 'ended', 'detail']);
  for (const step of record.steps)
    rows.push([step.title, step.status, step.startedAt ?? '-', step.endedAt ?? '-', step.detail ?? '']);
  return ['steps:', rows.toString()];
}

function diffLines(record: ChainedRecord): string[] {
  const planned = record.plan ? [`plan (based on ${record.plan.basedOn.slice(0, 19)}):`] : [];
  const steps = (record.plan?.steps ?? []).map((step) => `  ${step.index}. ${step.action} ${step.target}: ${step.why}`);
  const written = record.diff.flatMap((entry) => [
    `  ${entry.action} ${entry.object} (${entry.by})`,
    ...entry.fields.map((field) => `    ${field.path}: ${value(field.before)} -> ${value(field.after)}`),
  ]);
  return [...planned, ...steps, ...(written.length ? ['written:', ...written] : ['written: nothing'])];
}

function serviceTable(record: ChainedRecord): string[] {
  if (record.services.length === 0) return ['Services: none served'];
  const unknown = record.servicesAfterUnknown ? [`  after: ${record.servicesAfterUnknown}`] : [];
  return ['Services:', serviceIpTable(record.services), ...unknown];
}

function observedHead(record: ChainedRecord, observed: ObservedDetails): string[] {
  const gap = observed.gap
    ? [`  changes while not watching, ${observed.gap.since} to ${observed.gap.relistedAt}: ${observed.gap.why}`]
    : [];
  return [
    `change #${record.seq} ${record.id}`,
    `  made outside metallb-runbooks (source outside) on cluster ${record.cluster}, seen ${record.endedAt}`,
    ...gap,
    ...observed.objects.flatMap((object) => [
      `  ${object.action} ${object.object} (resourceVersion ${object.resourceVersion}) at ${object.changedAt}`,
      `    field manager: ${object.manager}${object.managerNote ? ` (${object.managerNote})` : ''}`,
    ]),
  ];
}

/** What `history show` knows of the Services after a watched change: their IPs, or why it cannot say. */
export type ObservedEffects = { effects: ServiceEffect[] } | { unknown: string };

function effectLines(effects: ObservedEffects): string[] {
  if ('unknown' in effects) return [`Services whose IPs changed within a minute after: unknown (${effects.unknown})`];
  if (effects.effects.length === 0)
    return ["Services whose IPs changed within a minute after: none in the controller's Events (they expire after 1h)"];
  return ['Services whose IPs changed within a minute after:', ...effects.effects.map((e) => `  ${effectLine(e)}`)];
}

/** The lines `history show` prints for a change the config watch recorded. */
export function observedLines(record: ChainedRecord, effects: ObservedEffects): string[] {
  return [...observedHead(record, record.observed!), ...diffLines(record), ...effectLines(effects)];
}

/** The lines `history show` prints for one record. */
export function recordLines(record: ChainedRecord): string[] {
  return [
    ...headLines(record),
    ...decisionLines(record),
    ...stepTable(record),
    ...diffLines(record),
    ...serviceTable(record),
    ...(record.restarts.length ? [`restarts: ${record.restarts.join('; ')}`] : []),
    ...(record.rollbacks.length ? ['rolled back:', ...record.rollbacks.map((line) => `  ${line}`)] : []),
  ];
}
