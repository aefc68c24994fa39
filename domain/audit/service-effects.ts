// Which Services' IPs a config change moved or dropped, read from the MetalLB controller's Events on
// Services in the minute after it (IPAllocated, ClearAssignment, AllocationFailed). Pure.

/** One controller Event on a Service, as the effects are read from. */
export interface ServiceIpEvent {
  /** "namespace/name". */
  service: string;
  reason: string;
  message: string;
  /** When it last happened (lastTimestamp, else eventTime). */
  time: string;
}

/** What happened to one Service's IPs after a change. */
export interface ServiceEffect {
  service: string;
  /** moved: cleared and given another IP; dropped: cleared (or failed) and left without; assigned: given one. */
  outcome: 'moved' | 'dropped' | 'assigned';
  /** The last IPs the controller assigned, from its "Assigned IP [...]" message. */
  ips: string[];
  events: ServiceIpEvent[];
}

/** How long after a change its effects are looked for. */
export const effectWindowMs = 60_000;
const ipReasons = new Set(['IPAllocated', 'ClearAssignment', 'AllocationFailed']);

function assignedIps(message: string): string[] {
  const list = /Assigned IP \[([^\]]*)\]/.exec(message)?.[1] ?? '';
  return [...list.matchAll(/"([^"]+)"/g)].map((match) => match[1]!);
}

function effectOf(service: string, events: ServiceIpEvent[]): ServiceEffect {
  const last = events.at(-1)!;
  const lostOne = events.some((event) => event.reason !== 'IPAllocated');
  const ips = assignedIps([...events].reverse().find((event) => event.reason === 'IPAllocated')?.message ?? '');
  const outcome = !lostOne ? 'assigned' : last.reason === 'IPAllocated' ? 'moved' : 'dropped';
  return { service, outcome, ips: outcome === 'dropped' ? [] : ips, events };
}

/**
 * The Services whose IPs the controller changed within a minute after `changedAt` (managedFields and Event times
 * are whole seconds, so from a second before), and before `nextChangeAt` when another change followed (its
 * effects are its own). Events expire (an hour by default): older changes show none.
 */
export function servicesAfter(
  events: readonly ServiceIpEvent[],
  changedAt: string,
  nextChangeAt: string | null = null,
): ServiceEffect[] {
  const from = Date.parse(changedAt) - 1000;
  const next = nextChangeAt === null ? Infinity : Date.parse(nextChangeAt) - 1000;
  const until = Math.min(from + 1000 + effectWindowMs, Math.max(next, from + 2000));
  const byService = new Map<string, ServiceIpEvent[]>();
  const relevant = events
    .filter((event) => ipReasons.has(event.reason))
    .filter((event) => Date.parse(event.time) >= from && Date.parse(event.time) < until)
    .sort((left, right) => left.time.localeCompare(right.time));
  for (const event of relevant) byService.set(event.service, [...(byService.get(event.service) ?? []), event]);
  return [...byService]
    .map(([service, list]) => effectOf(service, list))
    .sort((l, r) => l.service.localeCompare(r.service));
}

/** When a watched record's change was made (its earliest object's), for effect windows. */
export function changeTimeOf(record: { endedAt: string; observed?: { objects: { changedAt: string }[] } }): string {
  return record.observed?.objects.map((object) => object.changedAt).sort()[0] ?? record.endedAt;
}

/** One line per effect: "ns/web moved to 192.0.2.20 (ClearAssignment, IPAllocated)". */
export function effectLine(effect: ServiceEffect): string {
  const reasons = effect.events.map((event) => event.reason).join(', ');
  const where = effect.outcome === 'dropped' ? 'dropped its IP' : `${effect.outcome} to ${effect.ips.join(',') || '?'}`;
  return `${effect.service} ${where} (${reasons})`;
}
