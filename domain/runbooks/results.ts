// Before/after IPs of every MetalLB-served Service, for a runbook's result.
import { sameIps, type ServiceFacts } from './service-facts.js';
import type { ServiceIpChange } from './types.js';

/** Before and after IPs of every MetalLB-served Service seen in either list, sorted by key. */
export function ipChanges(before: readonly ServiceFacts[], after: readonly ServiceFacts[]): ServiceIpChange[] {
  const keys = [...new Set([...before, ...after].filter((s) => s.served).map((s) => s.key))].sort();
  const ipsIn = (list: readonly ServiceFacts[], key: string) => list.find((s) => s.key === key)?.ips ?? [];
  return keys.map((key) => ({ service: key, before: ipsIn(before, key), after: ipsIn(after, key) }));
}

/** Only the Services whose IPs differ. */
export function changedIps(changes: readonly ServiceIpChange[]): ServiceIpChange[] {
  return changes.filter((c) => !sameIps(c.before, c.after));
}

/** "ns/a 192.0.2.1 -> 192.0.2.7" lines for the Services whose IPs changed. */
export function describeIpChanges(changes: readonly ServiceIpChange[]): string[] {
  const show = (ips: readonly string[]) => (ips.length ? ips.join(',') : '<none>');
  return changedIps(changes).map((c) => `${c.service} ${show(c.before)} -> ${show(c.after)}`);
}
