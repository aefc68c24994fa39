import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import type { OrphanPlan } from '../domain/runbooks/orphans.js';
import { changedIps, describeIpChanges, ipChanges } from '../domain/runbooks/results.js';
import { withLimits, type CleanupOrphansInput, type RunbookResult } from '../domain/runbooks/types.js';
import { kube, waits } from './activity-options.js';
import { deadlineIn, trackProgress } from './progress-tracker.js';

const S = {
  locate: { id: 'locate', title: 'Locate MetalLB' },
  find: { id: 'find-orphans', title: 'Find the orphaned Services' },
  release: { id: 'release-requests', title: 'Remove unservable IP requests and stale pool annotations' },
  clear: { id: 'clear-ingress', title: 'Clear ingress IPs that lie in no pool' },
  waitIps: { id: 'wait-new-ips', title: 'Wait for a new IP inside a pool' },
  verify: { id: 'verify', title: 'Verify no healthy Service changed and every IP is inside a pool' },
};

async function releaseAll(plans: OrphanPlan[]): Promise<string[]> {
  const removed: string[] = [];
  for (const plan of plans) {
    const r = await kube.releaseServiceRequest(plan);
    removed.push(...r.removed.map((field) => `${r.service}: removed ${field}`));
  }
  return removed;
}

async function clearAll(plans: OrphanPlan[], namespace: string): Promise<string[]> {
  const cleared: string[] = [];
  for (const plan of plans.filter((p) => p.clearIngress)) {
    const r = await kube.clearOrphanedIngress({ service: plan.service, namespace });
    if (r.cleared.length) cleared.push(`${r.service}: cleared status.loadBalancer (${r.cleared.join(', ')})`);
  }
  return cleared;
}

/** Fixes orphaned Service IPs; never touches a healthy Service. Reports old -> new IP of each. */
export async function cleanupOrphans(input: CleanupOrphansInput): Promise<RunbookResult> {
  const limits = withLimits(input);
  const startedAt = new Date().toISOString();
  const t = trackProgress('cleanup-orphans', input.cluster, Object.values(S));
  try {
    const m = await t.step(
      S.locate,
      null,
      () => kube.findMetallbWorkloads(),
      (w) => `MetalLB in ${w.namespace}`,
    );
    const scope = { namespace: m.namespace, lbClass: m.lbClass };
    const found = await t.step(
      S.find,
      null,
      () => kube.findOrphanedServices({ ...scope, services: input.services }),
      (f) =>
        f.orphans.length
          ? f.orphans.map((o) => `${o.service}: ${o.reasons.join('; ')}`).join(' | ')
          : 'no orphaned Service',
    );
    const orphans = found.orphans.map((o) => o.service);
    if (orphans.length === 0) for (const step of [S.release, S.clear, S.waitIps]) t.skip(step, 'no orphaned Service');
    const removed = orphans.length
      ? await t.step(
          S.release,
          null,
          () => releaseAll(found.orphans),
          (r) => `${r.length} field(s) removed`,
        )
      : [];
    const cleared = orphans.length
      ? await t.step(
          S.clear,
          null,
          () => clearAll(found.orphans, m.namespace),
          (r) => `${r.length} Service(s) cleared`,
        )
      : [];
    if (orphans.length)
      await t.step(S.waitIps, `${orphans.join(', ')} to get an IP inside a pool`, () =>
        waits.waitForServiceIpsInPools({
          ...scope,
          mustHaveIp: orphans,
          deadline: deadlineIn(limits.serviceIpsSeconds),
        }),
      );
    const verify = async () => {
      const after = await waits.waitForServiceIpsInPools({
        ...scope,
        mustHaveIp: orphans,
        deadline: deadlineIn(limits.serviceIpsSeconds),
      });
      const collateral = changedIps(ipChanges(found.before, after)).filter((c) => !orphans.includes(c.service));
      if (collateral.length > 0)
        throw ApplicationFailure.nonRetryable(
          `Services that were not cleaned changed IPs: ${describeIpChanges(collateral).join('; ')}`,
          'VerificationFailed',
        );
      return after;
    };
    const after = await t.step(
      S.verify,
      'every Service IP inside a pool',
      verify,
      (a) => `${a.length} Service(s) checked, none but the orphans changed`,
    );
    const services = ipChanges(found.before, after);
    t.phase('completed');
    const moved = describeIpChanges(services.filter((c) => orphans.includes(c.service)));
    return {
      runbook: 'cleanup-orphans',
      cluster: input.cluster,
      workflowId: workflowInfo().workflowId,
      startedAt,
      finishedAt: new Date().toISOString(),
      summary: orphans.length
        ? `cleaned ${orphans.length} orphaned Service(s); update DNS and firewalls for: ${moved.join('; ') || 'no IP changed'}`
        : 'no orphaned Service found; nothing changed',
      changes: [...removed, ...cleared],
      checks: [
        `every Service IP is inside a pool (${after.length} Service(s))`,
        'no other Service changed its IP',
        ...moved,
      ],
      services,
    };
  } catch (error) {
    t.phase('failed');
    throw error;
  }
}
