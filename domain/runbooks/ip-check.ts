// The final check of every runbook, scoped to what the runbook touched: the Services it cleaned must
// end with an IP inside a pool, and no Service that held one before may have lost it. Everything
// else (Services pending or orphaned before the run, changes others made meanwhile) is reported,
// never failed on.
import { describeIpChanges, ipChanges } from './results.js';
import { ipsOutsidePools, poolIndexOf, type PoolFacts, type ServiceFacts } from './service-facts.js';

/** A Service and the IPs it held when the run started. */
export interface HeldIps {
  service: string;
  ips: string[];
}

/** What the final check requires. */
export interface ScopedIpCheck {
  /** Services this run changed: each must end with an IP inside a pool. */
  placed: readonly string[];
  /**
   * Services that held IPs when the run started. Those whose IPs lie inside a pool must still hold
   * one inside a pool; the others (orphans left alone) are not checked.
   */
  held: readonly HeldIps[];
}

/** Every MetalLB-served Service that held an IP, with its IPs. */
export function heldIps(services: readonly ServiceFacts[]): HeldIps[] {
  return services.filter((s) => s.served && s.ips.length > 0).map((s) => ({ service: s.key, ips: s.ips }));
}

function placementProblems(svc: ServiceFacts | undefined, key: string, outside: (ips: string[]) => string[]) {
  // A Service deleted (or no longer served) meanwhile was not this run's doing: nothing to require.
  if (!svc?.served) return [];
  if (svc.ips.length === 0) return [`${key} has no IP`];
  return outside(svc.ips).map((ip) => `${key} holds ${ip}, which is in no pool`);
}

/** What is still wrong, one line each; empty when the check holds. */
export function scopedIpProblems(
  services: readonly ServiceFacts[],
  pools: readonly PoolFacts[],
  check: ScopedIpCheck,
): string[] {
  const index = poolIndexOf(pools);
  const outside = (ips: string[]) => ipsOutsidePools(index, ips);
  const byKey = new Map(services.map((s) => [s.key, s]));
  const placed = check.placed.flatMap((key) => placementProblems(byKey.get(key), key, outside));
  const kept = check.held
    .filter((held) => !check.placed.includes(held.service) && outside(held.ips).length === 0)
    .flatMap((held) =>
      placementProblems(byKey.get(held.service), held.service, outside).map(
        (problem) => `${problem} (it held ${held.ips.join(', ')} inside a pool before the run)`,
      ),
    );
  return [...placed, ...kept];
}

/**
 * Report lines for what the run did not touch: Services pending (and, when the pools are known,
 * orphaned) before the run, and IP changes on Services the run did not change.
 */
export function untouchedReport(
  before: { services: readonly ServiceFacts[]; pools: readonly PoolFacts[] | null },
  after: readonly ServiceFacts[],
  touched: readonly string[],
): string[] {
  const served = before.services.filter((s) => s.served && !touched.includes(s.key));
  const pending = served.filter((s) => s.ips.length === 0).map((s) => s.key);
  const index = before.pools ? poolIndexOf(before.pools) : null;
  const orphaned = index ? served.filter((s) => ipsOutsidePools(index, s.ips).length > 0).map((s) => s.key) : [];
  const others = ipChanges(before.services, after).filter((change) => !touched.includes(change.service));
  return [
    ...(pending.length ? [`pending before the run, left alone: ${pending.join(', ')}`] : []),
    ...(orphaned.length ? [`holding an IP in no pool before the run, left alone: ${orphaned.join(', ')}`] : []),
    ...describeIpChanges(others).map(
      (line) => `IP changed during the run, on a Service this run did not change: ${line}`,
    ),
  ];
}
