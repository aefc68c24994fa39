import { workflowInfo } from '@temporalio/workflow';
import type { OrphanFindings } from '../kube/orphaned-services.js';
import { heldIps, untouchedReport } from '../domain/runbooks/ip-check.js';
import type { OrphanPlan } from '../domain/runbooks/orphans.js';
import { describeIpChanges, ipChanges } from '../domain/runbooks/results.js';
import { cleanupOrphansSteps as cleanupSteps } from '../domain/runbooks/steps.js';
import { withLimits, type CleanupOrphansInput, type RunbookResult } from '../domain/runbooks/types.js';
import { clusterActivities, waitActivities } from './activity-options.js';
import { deadlineIn, trackSteps, type RunbookSteps } from './progress-tracker.js';

async function releaseAll(plans: OrphanPlan[]): Promise<string[]> {
  const removed: string[] = [];
  for (const plan of plans) {
    const released = await clusterActivities.releaseServiceRequest(plan);
    removed.push(...released.removed.map((field) => `${released.service}: removed ${field}`));
  }
  return removed;
}

async function clearAll(plans: OrphanPlan[], namespace: string): Promise<string[]> {
  const cleared: string[] = [];
  for (const plan of plans.filter((orphan) => orphan.clearIngress)) {
    const done = await clusterActivities.clearOrphanedIngress({ service: plan.service, namespace });
    if (done.cleared.length) cleared.push(`${done.service}: cleared status.loadBalancer (${done.cleared.join(', ')})`);
  }
  return cleared;
}

/** Releases and clears every orphan found, then waits for each to get an IP inside a pool. */
async function cleanAll(steps: RunbookSteps, found: OrphanFindings, wait: CleanupWait): Promise<string[]> {
  const orphans = found.orphans.map((orphan) => orphan.service);
  const removed = await steps.run(cleanupSteps.release, () => releaseAll(found.orphans));
  const cleared = await steps.run(cleanupSteps.clear, () => clearAll(found.orphans, wait.namespace));
  const placed = { ...wait, mustHaveIp: orphans, deadline: deadlineIn(wait.serviceIpsSeconds) };
  await steps.run(cleanupSteps.waitIps, () => waitActivities.waitForServiceIpsInPools(placed));
  return [...removed, ...cleared];
}

interface CleanupWait {
  namespace: string;
  lbClass: string | null;
  serviceIpsSeconds: number;
}

async function cleanup(input: CleanupOrphansInput, steps: RunbookSteps): Promise<RunbookResult> {
  const startedAt = new Date().toISOString();
  const metallb = await steps.run(cleanupSteps.locate, () => clusterActivities.findMetallbWorkloads());
  const scope = { namespace: metallb.namespace, lbClass: metallb.lbClass };
  const search = { ...scope, services: input.services };
  const found = await steps.run(cleanupSteps.find, () => clusterActivities.findOrphanedServices(search));
  const orphans = found.orphans.map((orphan) => orphan.service);
  const wait = { ...scope, serviceIpsSeconds: withLimits(input).serviceIpsSeconds };
  if (orphans.length === 0)
    for (const skipped of [cleanupSteps.release, cleanupSteps.clear, cleanupSteps.waitIps])
      steps.skip(skipped, 'no orphaned Service');
  const changes = orphans.length ? await cleanAll(steps, found, wait) : [];
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
    changes,
    checks: [
      `every cleaned Service holds an IP inside a pool (${orphans.length} Service(s))`,
      `none of the ${mustKeepIp.length} other Service(s) that held an IP lost it`,
      ...moved,
      ...untouchedReport({ services: found.before, pools: null }, after, orphans),
    ],
    services,
  };
}

/** Fixes orphaned Service IPs; never touches a healthy Service. Reports old -> new IP of each. */
export async function cleanupOrphans(input: CleanupOrphansInput): Promise<RunbookResult> {
  const steps = trackSteps('cleanup-orphans', input.cluster, Object.values(cleanupSteps));
  try {
    return await cleanup(input, steps);
  } catch (error) {
    steps.phase('failed');
    throw error;
  }
}
