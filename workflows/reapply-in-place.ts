import { configKinds, entryRef } from '../domain/runbooks/backup.js';
import type { RunbookResult } from '../domain/runbooks/types.js';
import type { RewriteResult } from '../activities/rewrite-config-object.js';
import type { TrimResult } from '../activities/trim-stored-versions.js';
import { kube, waits } from './activity-options.js';
import { deadlineIn } from './progress-tracker.js';
import { reapplyResult, type ReapplyRun } from './reapply-run.js';
import { reapplySteps as S } from './reapply-steps.js';

async function rewriteAll(run: ReapplyRun): Promise<RewriteResult[]> {
  const results: RewriteResult[] = [];
  for (const e of run.backup.objects) {
    results.push(
      await kube.rewriteConfigObject({
        kind: e.kind,
        plural: e.plural,
        version: e.version,
        namespace: e.namespace,
        name: e.name,
      }),
    );
  }
  return results;
}

async function trimAll(run: ReapplyRun): Promise<TrimResult[]> {
  const results: TrimResult[] = [];
  for (const { plural } of configKinds)
    results.push(await kube.trimStoredVersions({ plural, namespace: run.m.namespace }));
  return results.filter((r) => r.before.join() !== r.after.join());
}

/** Rewrites every object unchanged so the API server stores it at the current version. */
export async function reapplyInPlace(run: ReapplyRun): Promise<RunbookResult> {
  const { t } = run;
  const rewrites = await t.step(
    S.rewrite,
    null,
    () => rewriteAll(run),
    (r) =>
      `${r.filter((x) => x.rewritten).length} of ${r.length} object(s) re-encoded; the others were already current`,
  );
  const trims = await t.step(
    S.trim,
    null,
    () => trimAll(run),
    (r) =>
      r.length
        ? r.map((x) => `${x.crd}: [${x.before.join(',')}] -> [${x.after.join(',')}]`).join('; ')
        : 'nothing to trim',
  );
  const after = await t.step(S.verifyIps, 'every MetalLB Service IP inside a pool', () =>
    waits.waitForServiceIpsInPools({
      ...run.scope,
      mustHaveIp: [],
      deadline: deadlineIn(run.limits.serviceIpsSeconds),
    }),
  );
  const changes = [
    ...rewrites
      .filter((r) => r.rewritten)
      .map(
        (r) =>
          `${r.ref} rewritten at the storage version (resourceVersion ${r.resourceVersionBefore} -> ${r.resourceVersionAfter})`,
      ),
    ...trims.map(
      (r) =>
        `CRD ${r.crd} storedVersions [${r.before.join(',')}] -> [${r.after.join(',')}]${r.rewrittenElsewhere ? ` (${r.rewrittenElsewhere} object(s) outside ${run.m.namespace} rewritten first)` : ''}`,
    ),
  ];
  const summary = `rewrote ${rewrites.length} MetalLB object(s) in place (${rewrites.filter((r) => r.rewritten).length} re-encoded), no deletion`;
  const checks = [
    `every Service IP is inside a pool (${after.length} Service(s))`,
    `backup: ${run.backup.objects.map(entryRef).join(', ') || 'no objects'}`,
  ];
  return reapplyResult(run, summary, changes, checks, after);
}
