// The run of `metallb-runbooks apply`: reads and loads the files (bad input: one line, exit 2,
// nothing started), starts the apply workflow under the cluster's one change id and follows it.
// The workflow plans again on the live cluster: the CLI never sends a plan.
import type { Client } from '@temporalio/client';
import { loadDesiredFiles } from '../../domain/plan/load.js';
import { planChange } from '../../domain/plan/plan.js';
import type { ChangePlan, ConfigObject } from '../../domain/plan/types.js';
import { planRefusal, stepTarget, type ApplyChangeInput, type ApplyResult } from '../../domain/runbooks/apply.js';
import { changeWorkflowId, taskQueueFor } from '../../domain/runbooks/names.js';
import { applyStepList, applyRollbackSteps } from '../../domain/runbooks/steps.js';
import { secretFieldsSet } from '../../domain/redact.js';
import { snapshotFromObjects } from '../../domain/snapshot.js';
import { clusterName, loadKubeConfig } from '../../kube/client.js';
import { readCluster } from '../../kube/read-cluster.js';
import { backupQuery } from '../../workflows/messages.js';
import { readDesiredFiles } from '../read-desired-files.js';
import { UsageError } from '../usage-error.js';
import { withTemporal } from '../temporal.js';
import { cliTemporalIdentity, establishActor } from '../requester.js';
import type { InputFile } from '../../domain/audit/record.js';
import { createHash } from 'node:crypto';
import type { ApplyOptions } from './apply.js';
import { writeBackup } from './fix-backup.js';
import { followRunbook } from './fix-follow.js';
import { exportEarlierBackup, printResult, startChange, uiLink } from './fix-run.js';

/** The objects of the files and the files' digests (for the audit record). */
export interface Desired {
  objects: ConfigObject[];
  sources: InputFile[];
}

/** The objects of the files; any problem reading or loading them is one line (exit 2). */
export async function loadDesired(opts: Pick<ApplyOptions, 'filename' | 'metallbNamespace'>): Promise<Desired> {
  const files = await readDesiredFiles(opts.filename).catch((error: Error) => {
    throw new UsageError(error.message);
  });
  const sources = files.map((file) => ({
    file: file.path,
    sha256: createHash('sha256').update(file.text).digest('hex'),
  }));
  const loaded = loadDesiredFiles(files, opts.metallbNamespace);
  if (loaded.problems.length > 0) {
    const lines = loaded.problems.map((problem) => {
      const where = problem.source ? `${problem.source.file} document ${problem.source.document + 1}` : 'input';
      return `${where}${problem.field ? ` ${problem.field}` : ''}: ${problem.message}`;
    });
    throw new UsageError(`the desired config has ${lines.length} problem(s), nothing was changed: ${lines.join('; ')}`);
  }
  // Workflow inputs live in history: a credential in the files must never get there.
  const withSecret = loaded.objects.filter((object) => secretFieldsSet(object.kind, object.manifest.spec).length > 0);
  if (withSecret.length > 0)
    throw new UsageError(
      `${withSecret.map((object) => `${object.kind}/${object.name}`).join(', ')} carries an inline password: ` +
        'use spec.passwordSecret (a Secret) instead; nothing was changed',
    );
  if (loaded.objects.length === 0) throw new UsageError(`no MetalLB config object in ${opts.filename.join(', ')}`);
  return { objects: loaded.objects, sources };
}

function printPlan(plan: ChangePlan): void {
  console.log(`plan (based on ${plan.basedOn.slice(0, 12)}): ${plan.steps.length} step(s)`);
  plan.steps.forEach((step, index) => console.log(`  ${index + 1}. ${step.action} ${stepTarget(step)}: ${step.why}`));
  for (const impact of plan.impact.filter((service) => service.outcome !== 'keeps'))
    console.log(
      `  Service ${impact.namespace}/${impact.name} ${impact.outcome}: ` +
        `${impact.before.join(',') || '<none>'} -> ${impact.after.join(',') || '<none>'} (${impact.reason})`,
    );
}

async function dryRun(opts: ApplyOptions, desired: ConfigObject[]): Promise<void> {
  const kc = loadKubeConfig({ kubeconfig: opts.kubeconfig, context: opts.context });
  const read = await readCluster(kc, { metallbNamespace: opts.metallbNamespace, logSinceSeconds: 60 });
  const collectedAt = new Date().toISOString();
  const snapshot = snapshotFromObjects(read.objects, { collectedAt, source: 'cluster', logs: read.logs });
  const plan = planChange({
    snapshot,
    desired,
    prune: opts.pruneScope,
    allowIpChanges: Boolean(opts.allowIpChanges),
    target: { namespace: opts.metallbNamespace, metallbVersion: snapshot.metallbVersion, bgpType: 'native' },
  });
  console.log(`dry run of apply on cluster ${clusterName(kc)} (nothing is written, no workflow is started):`);
  printPlan(plan);
  const refusal = planRefusal(plan);
  if (refusal) console.log(`refused: ${refusal}`);
  console.log('the workflow plans again on the live cluster, then runs, for each step or swap:');
  for (const step of applyStepList) console.log(`  - ${step.title}: ${step.does}`);
  console.log('and on any failure after the first write:');
  for (const step of applyRollbackSteps) console.log(`  - ${step.title}: ${step.does}`);
  if (refusal) process.exitCode = 1;
}

function printApplyResult(result: ApplyResult): void {
  printResult(result);
  for (const step of result.steps) console.log(`  step ${step.index} ${step.action} ${step.target}: ${step.outcome}`);
}

async function startAndFollow(client: Client, opts: ApplyOptions, desired: Desired): Promise<void> {
  const access = { kubeconfig: opts.kubeconfig, context: opts.context };
  const cluster = clusterName(loadKubeConfig(access));
  const requester = await establishActor(access, opts.requestedBy);
  const input: ApplyChangeInput = {
    cluster,
    requestedBy: opts.requestedBy,
    requester,
    sources: desired.sources,
    desired: desired.objects,
    prune: opts.pruneScope,
    allowIpChanges: Boolean(opts.allowIpChanges),
    approval: opts.approvalTimeoutSeconds === null ? null : { timeoutSeconds: opts.approvalTimeoutSeconds },
  };
  const request = { runbook: 'apply' as const, input, executionTimeoutSeconds: opts.timeoutSeconds };
  const handle = await startChange(client, request, opts);
  const runId = handle.firstExecutionRunId;
  console.log(`started apply on cluster ${cluster}: workflow ${handle.workflowId} (run ${runId})`);
  const link = uiLink(opts, handle.workflowId, runId);
  if (link) console.log(`Temporal UI: ${link}`);
  if (input.approval)
    console.log(
      `waiting for approval by someone other than ${input.requestedBy}: ` +
        `metallb-runbooks approve ${changeWorkflowId(cluster)} (or reject ${changeWorkflowId(cluster)})`,
    );
  if (opts.wait === false) return;
  const onStepDone = async (step: { id: string }) => {
    if (step.id !== 'export-config' || !opts.backupFile) return;
    const backup = await handle.query(backupQuery);
    if (!backup) return;
    writeBackup(opts.backupFile, backup, `workflow ${handle.workflowId} run ${runId}`);
    console.log(`  backup of ${backup.objects.length} object(s) written to ${opts.backupFile}`);
  };
  const result = await followRunbook(handle, { onStepDone, taskQueue: taskQueueFor(cluster) });
  printApplyResult(result as ApplyResult);
}

/** Runs `apply` with flags that passed `checkApplyFlags`. */
export async function runApply(opts: ApplyOptions): Promise<void> {
  const desired = opts.backupOf ? { objects: [], sources: [] } : await loadDesired(opts);
  if (opts.dryRun) return dryRun(opts, desired.objects);
  // The local check first: a kubeconfig or context that cannot be used is named before Temporal is dialled.
  if (!opts.backupOf) loadKubeConfig({ kubeconfig: opts.kubeconfig, context: opts.context });
  await withTemporal(
    opts,
    (client) => (opts.backupOf ? exportEarlierBackup(client, opts) : startAndFollow(client, opts, desired)),
    cliTemporalIdentity(),
  );
}
