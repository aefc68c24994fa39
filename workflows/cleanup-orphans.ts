import { workflowInfo } from '@temporalio/workflow';
import type { OrphanFindings } from '../kube/orphaned-services.js';
import { heldIps, untouchedReport } from '../domain/runbooks/ip-check.js';
import type { OrphanPlan } from '../domain/runbooks/orphans.js';
import { describeIpChanges, ipChanges } from '../domain/runbooks/results.js';
import { cleanupOrphansSteps as cleanupSteps } from '../domain/runbooks/steps.js';
import { withLimits, type CleanupOrphansInput, type RunbookResult } from '../domain/runbooks/types.js';
import { clusterActivities, waitActivities } from './activity-options.js';
import { deadlineIn, trackSteps, type RunbookSteps } from './progress-tracker.js';
import { audited, type AuditTrail } from './audited.js';
import { runFlags, type ObjectDiff } from '../domain/audit/record.js';
import { cleanupDiff } from '../domain/audit/runbook-diffs.js';

type Released = { service: string; removed: string[] };
type Cleared = { service: string; cleared: string[] };

async function releaseAll(plans: OrphanPlan[], done: Released[]): Promise<string[]> {
  for (const plan of plans) done.push(await clusterActivities.releaseServiceRequest(plan));
  return done.flatMap((released) => released.removed.map((field) => `${released.service}: removed ${field}`));
}

async function clearAll(plans: OrphanPlan[], namespace: string, done: Cleared[]): Promise<string[]> {
  for (const plan of plans.filter((orphan) => orphan.clearIngress))
    done.push(await clusterActivities.clearOrphanedIngress({ service: plan.service, namespace }));
  return done
    .filter((clear) => clear.cleared.length > 0)
    .map((clear) => `${clear.service}: cleared status.loadBalancer (${clear.cleared.join(', ')})`);
}

/** Releases and clears every orphan found, then waits for each to get an IP inside a pool. */
async function cleanAll(
  steps: RunbookSteps,
  found: OrphanFindings,
  wait: CleanupWait,
  trail: AuditTrail,
): Promise<{ lines: string[]; diff: ObjectDiff[] }> {
  const orphans = found.orphans.map((orphan) => orphan.service);
  const released: Released[] = [];
  const cleared: Cleared[] = [];
  const diff = () => cleanupDiff(found.before, released, cleared);
  trail.written(diff);
  const removedLines = await steps.run(cleanupSteps.release, () => releaseAll(found.orphans, released));
  const clearedLines = await steps.run(cleanupSteps.clear, () => clearAll(found.orphans, wait.namespace, cleared));
  const placed = { ...wait, mustHaveIp: orphans, deadline: deadlineIn(wait.serviceIpsSeconds) };
  await steps.run(cleanupSteps.waitIps, () => waitActivities.waitForServiceIpsInPools(placed));
  return { lines: [...removedLines, ...clearedLines], diff: diff() };
}

interface CleanupWait {
  namespace: string;
  lbClass: string | null;
  serviceIpsSeconds: number;
}

async function cleanup(input: CleanupOrphansInput, steps: RunbookSteps, trail: AuditTrail): Promise<RunbookResult> {
  const startedAt = new Date().toISOString();
  const metallb = await steps.run(cleanupSteps.locate, () => clusterActivities.findMetallbWorkloads());
  const scope = { namespace: metallb.namespace, lbClass: metallb.lbClass };
  const search = { ...scope, services: input.services };
  const found = await steps.run(cleanupSteps.find, () => clusterActivities.findOrphanedServices(search));
  trail.before(scope, found.before);
  const orphans = found.orphans.map((orphan) => orphan.service);
  const wait = { ...scope, serviceIpsSeconds: withLimits(input).serviceIpsSeconds };
  if (orphans.length === 0)
    for (const skipped of [cleanupSteps.release, cleanupSteps.clear, cleanupSteps.waitIps])
      steps.skip(skipped, 'no orphaned Service');
  const cleaned = orphans.length ? await cleanAll(steps, found, wait, trail) : { lines: [], diff: [] };
  // Scoped: the cleaned Services and the ones that held an IP in a pool; other orphans are left alone.
  const mustKeepIp = heldIps(found.before);
  const check = { ...scope, mustHaveIp: orphans, mustKeepIp, deadline: deadlineIn(wait.serviceIpsSeconds) };
  const { after } = await steps.run(cleanupSteps.verify, async () => ({
    after: await waitActivities.waitForServiceIpsInPools(check),
    kept: mustKeepIp.length,
  }));
  const services = ipChanges(found.before, after);
  steps.phase('completed');
  const moved = describeIpChanges(services.filter((change) => orphans.includes(change.service)));
  return {
    runbook: 'cleanup-orphans',
    cluster: input.cluster,
    workflowId: workflowInfo().workflowId,
    startedAt,
    finishedAt: new Date().toISOString(),
    summary: orphans.length
      ? `cleaned ${orphans.length} orphaned Service(s); update DNS and firewalls for: ` +
        `${moved.join('; ') || 'no IP changed'}`
      : 'no orphaned Service found; nothing changed',
    changes: cleaned.lines,
    checks: [
      `every cleaned Service holds an IP inside a pool (${orphans.length} Service(s))`,
      `none of the ${mustKeepIp.length} other Service(s) that held an IP lost it`,
      ...moved,
      ...untouchedReport({ services: found.before, pools: null }, after, orphans),
    ],
    services,
    diff: cleaned.diff,
  };
}

/** Fixes orphaned Service IPs; never touches a healthy Service. Reports old -> new IP of each. */
export async function cleanupOrphans(input: CleanupOrphansInput): Promise<RunbookResult> {
  const steps = trackSteps('cleanup-orphans', input.cluster, Object.values(cleanupSteps));
  return audited({ runbook: 'cleanup-orphans', input, steps, flags: runFlags(input) }, async (trail) => {
    try {
      return await cleanup(input, steps, trail);
    } catch (error) {
      steps.phase('failed');
      throw error;
    }
  });
}
