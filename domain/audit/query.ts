// Which audit records `history` shows: by cluster, age, runbook, outcome and object. Pure.
import { changeOutcomes, type ChangeOutcome } from './outcome.js';
import { recordSource, type AuditRecord, type ChangeSource } from './record.js';

/** What `history` filters by; every field optional. */
export interface HistoryFilter {
  cluster?: string;
  /** Records that ended at or after this time (ms since the epoch). */
  since?: number;
  runbook?: string;
  outcome?: ChangeOutcome;
  /** "Kind/name" as records name objects (after `objectRef`). */
  object?: string;
  /** Our runs' changes, or those the config watch saw made outside this tool. */
  source?: ChangeSource;
}

// Short names people type, as kubectl knows them, to the kinds records name.
const kindAliases: Record<string, string> = {
  pool: 'IPAddressPool',
  ipaddresspool: 'IPAddressPool',
  l2: 'L2Advertisement',
  l2advertisement: 'L2Advertisement',
  bgpadvertisement: 'BGPAdvertisement',
  bgppeer: 'BGPPeer',
  peer: 'BGPPeer',
  community: 'Community',
  bfdprofile: 'BFDProfile',
  svc: 'Service',
  service: 'Service',
  deployment: 'Deployment',
  daemonset: 'DaemonSet',
};

/** "pool/a" -> "IPAddressPool/a", "svc/ns/x" -> "Service/ns/x"; null when the kind is unknown or a name missing. */
export function objectRef(text: string): string | null {
  const [kind, ...rest] = text.split('/');
  const known = kind ? kindAliases[kind.toLowerCase()] : undefined;
  if (!known || rest.length === 0 || rest.some((part) => part === '')) return null;
  return `${known}/${rest.join('/')}`;
}

/** The outcome named, or null when it is not one. */
export function outcomeNamed(text: string): ChangeOutcome | null {
  return (changeOutcomes as readonly string[]).includes(text) ? (text as ChangeOutcome) : null;
}

/** The source named, or null when it is not one. */
export function sourceNamed(text: string): ChangeSource | null {
  return text === 'ours' || text === 'outside' ? text : null;
}

/** Whether `record` passes `filter`. */
export function recordMatches(record: AuditRecord, filter: HistoryFilter): boolean {
  const checks = [
    filter.cluster === undefined || record.cluster === filter.cluster,
    filter.since === undefined || Date.parse(record.endedAt) >= filter.since,
    filter.runbook === undefined || record.runbook === filter.runbook,
    filter.outcome === undefined || record.outcome === filter.outcome,
    filter.object === undefined || record.objects.includes(filter.object),
    filter.source === undefined || recordSource(record) === filter.source,
  ];
  return checks.every(Boolean);
}

/** Whether `id` names `record`: its full id, its run id, a run-id prefix of 8+ characters, or "#<seq>". */
export function recordNamed(record: AuditRecord & { seq?: number }, id: string): boolean {
  if (id.startsWith('#')) return String(record.seq) === id.slice(1);
  return record.id === id || record.runId === id || (id.length >= 8 && record.runId.startsWith(id));
}
