// Watches every LoadBalancer Service while a change runs and records, per Service, each interval
// with no ingress IP and each IP change: what "a healthy Service never changes its IP" is measured by.
import { CoreV1Api, Watch, type KubeConfig, type V1Service, type V1ServiceList } from '@kubernetes/client-node';

/** One Service's history over the watch. */
export interface ServiceIpHistory {
  /** IPs when the watch started ([] = pending). */
  initial: string[];
  /** IPs when it stopped. */
  final: string[];
  /** Every moment its IPs changed from one non-empty set to another, or came back different. */
  changes: { at: number; from: string[]; to: string[] }[];
  /** Intervals (ms since epoch) with no ingress IP that started while watching. */
  ipLess: { from: number; to: number }[];
}

/** What the watch saw. */
export interface IpWatchReport {
  services: Record<string, ServiceIpHistory>;
  /** Times the watch had to re-list (events between may be missed; the re-list state is compared). */
  relists: number;
}

const ipsOf = (service: V1Service): string[] =>
  (service.status?.loadBalancer?.ingress ?? [])
    .map((ingress) => ingress.ip ?? ingress.hostname ?? '')
    .filter(Boolean)
    .sort();

const serviceKey = (service: V1Service): string => `${service.metadata?.namespace}/${service.metadata?.name}`;
const sameIps = (left: readonly string[], right: readonly string[]) => left.join(',') === right.join(',');

interface Tracked {
  history: ServiceIpHistory;
  /** Last non-empty IPs seen: a Service that goes pending and comes back elsewhere changed IP. */
  lastHeld: string[];
  ipLessSince: number | null;
}

/** Pure bookkeeping of observed Service states; unit-tested on its own. */
export class ServiceIpTracker {
  private readonly tracked = new Map<string, Tracked>();

  /** A Service present when watching started. */
  start(key: string, ips: string[]): void {
    this.tracked.set(key, {
      history: { initial: ips, final: ips, changes: [], ipLess: [] },
      lastHeld: ips,
      ipLessSince: null,
    });
  }

  /** A state seen at `at`; a Service first seen here starts with these IPs. */
  observe(key: string, ips: string[], at: number): void {
    const entry = this.tracked.get(key);
    if (!entry) return this.start(key, ips);
    entry.history.final = ips;
    if (ips.length === 0) {
      if (entry.ipLessSince === null && entry.lastHeld.length > 0) entry.ipLessSince = at;
      return;
    }
    if (entry.ipLessSince !== null) entry.history.ipLess.push({ from: entry.ipLessSince, to: at });
    entry.ipLessSince = null;
    if (entry.lastHeld.length > 0 && !sameIps(entry.lastHeld, ips)) {
      entry.history.changes.push({ at, from: entry.lastHeld, to: ips });
    }
    entry.lastHeld = ips;
  }

  /** The report; an interval still open is closed at `at`. */
  report(at: number, relists: number): IpWatchReport {
    const services: Record<string, ServiceIpHistory> = {};
    for (const [key, entry] of this.tracked) {
      const open = entry.ipLessSince === null ? [] : [{ from: entry.ipLessSince, to: at }];
      services[key] = { ...entry.history, ipLess: [...entry.history.ipLess, ...open] };
    }
    return { services, relists };
  }
}

/** Total IP-less milliseconds of a history. */
export const ipLessMs = (history: ServiceIpHistory): number =>
  history.ipLess.reduce((total, interval) => total + (interval.to - interval.from), 0);

/** Every IP a Service was seen with, sorted. */
export const everyIp = (history: ServiceIpHistory): string[] =>
  [...new Set([...history.initial, ...history.changes.flatMap((change) => change.to), ...history.final])].sort();

/** Services that changed IP (optionally ignoring some, e.g. those a test allows to move). */
export function ipChanges(report: IpWatchReport, allowed: readonly string[] = []): Record<string, ServiceIpHistory> {
  return Object.fromEntries(
    Object.entries(report.services).filter(([key, history]) => history.changes.length > 0 && !allowed.includes(key)),
  );
}

/** One line per Service that was ever IP-less, for the test output. */
export function describeIpLess(report: IpWatchReport): string {
  const lines = Object.entries(report.services)
    .filter(([, history]) => history.ipLess.length > 0)
    .map(([key, history]) => `${key}: ${ipLessMs(history)} ms without an IP in ${history.ipLess.length} interval(s)`);
  return lines.length > 0 ? lines.join('\n') : 'no Service was without an IP';
}

/** A running watch. */
export interface IpWatch {
  stop(): Promise<IpWatchReport>;
}

async function listServices(kc: KubeConfig): Promise<V1ServiceList> {
  return kc.makeApiClient(CoreV1Api).listServiceForAllNamespaces();
}

/** Starts watching every LoadBalancer Service of the cluster; resolves once the watch is established. */
export async function watchServiceIps(kc: KubeConfig): Promise<IpWatch> {
  const tracker = new ServiceIpTracker();
  let relists = -1;
  let stopped = false;
  let abort: AbortController | undefined;
  const observe = (service: V1Service, at: number) => {
    if (service.spec?.type === 'LoadBalancer') tracker.observe(serviceKey(service), ipsOf(service), at);
  };
  const begin = async (): Promise<void> => {
    relists += 1;
    const list = await listServices(kc);
    for (const service of list.items) observe(service, Date.now());
    const onEvent = (type: string, service: V1Service) => {
      if (type === 'DELETED') return;
      if (type === 'ADDED' || type === 'MODIFIED') observe(service, Date.now());
    };
    // A watch the server ends (timeout, 410) is re-established from a fresh list.
    const onDone = () => {
      if (!stopped) void begin();
    };
    abort = await new Watch(kc).watch(
      '/api/v1/services',
      { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
      onEvent,
      onDone,
    );
  };
  await begin();
  return {
    async stop() {
      stopped = true;
      abort?.abort();
      // A final list: the last state counts even if its event was still in flight.
      for (const service of (await listServices(kc)).items) observe(service, Date.now());
      return tracker.report(Date.now(), relists);
    },
  };
}
