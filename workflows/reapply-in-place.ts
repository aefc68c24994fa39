import type { RewriteResult } from '../activities/rewrite-config-object.js';
import type { TrimResult } from '../activities/trim-stored-versions.js';
import { configKinds, entryRef } from '../domain/runbooks/backup.js';
import { reapplySteps } from '../domain/runbooks/steps.js';
import type { RunbookResult } from '../domain/runbooks/types.js';
import { clusterActivities } from './activity-options.js';
import { rewriteDiff } from '../domain/audit/runbook-diffs.js';
import { reapplyResult, verifyNoIpLost, type ReapplyRun } from './reapply-run.js';

async function rewriteAll(run: ReapplyRun): Promise<RewriteResult[]> {
  const results: RewriteResult[] = [];
  for (const entry of run.backup.objects) {
    const { kind, plural, version, namespace, name } = entry;
    results.push(await clusterActivities.rewriteConfigObject({ kind, plural, version, namespace, name }));
  }
  return results;
}

async function trimAll(run: ReapplyRun): Promise<TrimResult[]> {
  const results: TrimResult[] = [];
  for (const { plural } of configKinds)
    results.push(await clusterActivities.trimStoredVersions({ plural, namespace: run.metallb.namespace }));
  return results.filter((trim) => trim.before.join() !== trim.after.join());
}

function describeTrim(run: ReapplyRun, trim: TrimResult): string {
  const elsewhere = trim.rewrittenElsewhere
    ? ` (${trim.rewrittenElsewhere} object(s) outside ${run.metallb.namespace} rewritten first)`
    : '';
  return `CRD ${trim.crd} storedVersions [${trim.before.join(',')}] -> [${trim.after.join(',')}]${elsewhere}`;
}

/** Rewrites every object unchanged so the API server stores it at the current version. */
export async function reapplyInPlace(run: ReapplyRun): Promise<RunbookResult> {
  const rewrites = await run.steps.run(reapplySteps.rewrite, () => rewriteAll(run));
  const trims = await run.steps.run(reapplySteps.trim, () => trimAll(run));
  const after = await verifyNoIpLost(run);
  const rewritten = rewrites.filter((rewrite) => rewrite.rewritten);
  const changes = [
    ...rewritten.map(
      (rewrite) =>
        `${rewrite.ref} rewritten at the storage version ` +
        `(resourceVersion ${rewrite.resourceVersionBefore} -> ${rewrite.resourceVersionAfter})`,
    ),
    ...trims.map((trim) => describeTrim(run, trim)),
  ];
  const summary = `rewrote ${rewrites.length} MetalLB object(s) in place (${rewritten.length} re-encoded), no deletion`;
  const checks = [`backup: ${run.backup.objects.map(entryRef).join(', ') || 'no objects'}`];
  return reapplyResult(run, { summary, changes, checks, diff: rewriteDiff(rewrites, trims) }, after);
}
