// The drift watch's findings about changes made outside this tool: each config change the config watch
// recorded in the last hour after which the controller moved or dropped a Service's IP (its Events say).
import type { KubeConfig } from '@kubernetes/client-node';
import { readRecords } from '../audit/log-store.js';
import type { ChainedRecord } from '../domain/audit/record.js';
import { changeTimeOf, effectLine, servicesAfter, type ServiceIpEvent } from '../domain/audit/service-effects.js';
import type { WatchedFinding } from '../domain/watch/types.js';
import { readServiceIpEvents } from '../kube/service-ip-events.js';

/** What a drift run asks for. */
export interface OutsideChangeRequest {
  cluster: string;
}

/** Events expire after an hour by default: older changes cannot be tied to Services any more. */
const lookBackMs = 60 * 60_000;

async function recentOutsideChanges(directory: string, cluster: string, since: number): Promise<ChainedRecord[]> {
  const found: ChainedRecord[] = [];
  for await (const record of readRecords(directory))
    if (record.source === 'outside' && record.cluster === cluster && Date.parse(record.endedAt) >= since)
      found.push(record);
  return found;
}

function findingsOf(record: ChainedRecord, next: ChainedRecord | undefined, events: readonly ServiceIpEvent[]) {
  const objects = record.observed?.objects ?? [];
  const changedAt = changeTimeOf(record);
  const effects = servicesAfter(events, changedAt, next ? changeTimeOf(next) : null);
  const hurt = effects.filter((effect) => effect.outcome !== 'assigned');
  if (hurt.length === 0) return [];
  const what = objects.map((object) => `${object.action} of ${object.object} by ${object.manager}`).join(', ');
  return hurt.map((effect): WatchedFinding => ({
    key: `outside-change|${record.id}|${effect.service}`,
    id: 'outside-change-moved-ip',
    check: 'outside-change',
    severity: effect.outcome === 'dropped' ? 'error' : 'warning',
    title: `${what} (outside metallb-runbooks, audit #${record.seq}): ${effectLine(effect)}`,
    object: objects[0] ? objects[0].object.replace('/', ' ') : 'cluster',
    command: `metallb-runbooks history show '#${record.seq}'`,
    runbook: null,
    service: effect.service,
    since: changedAt,
  }));
}

/** Findings for outside changes of the last hour that moved or dropped a Service IP (none: no such change). */
export async function outsideChangeFindings(
  kc: KubeConfig,
  directory: string,
  request: OutsideChangeRequest,
): Promise<WatchedFinding[]> {
  const changes = await recentOutsideChanges(directory, request.cluster, Date.now() - lookBackMs);
  if (changes.length === 0) return [];
  const events = await readServiceIpEvents(kc);
  // Each change owns the Service events until the next one.
  const ordered = [...changes].sort((left, right) => changeTimeOf(left).localeCompare(changeTimeOf(right)));
  return ordered.flatMap((record, index) => findingsOf(record, ordered[index + 1], events));
}
