// The run of `metallb-runbooks fix`: refuses when no worker polls the cluster's queue, starts the runbook's
// workflow (bounded by --timeout) and follows it; `--dry-run` only prints the plan.
import type { Client } from '@temporalio/client';
import { clusterName, loadKubeConfig } from '../../kube/client.js';
import { changeWorkflowId, taskQueueFor, type RunbookName } from '../../domain/runbooks/names.js';
import type { RunbookInput, RunbookResult } from '../../domain/runbooks/types.js';
import { serviceIpTable } from '../terminal.js';
import { cliTemporalIdentity, establishActor } from '../requester.js';
import type { Actor } from '../../domain/audit/identity.js';
import { UsageError } from '../usage-error.js';
import { withTemporal } from '../temporal.js';
import { fetchBackup, writeBackup } from './fix-backup.js';
import { backupQuery } from '../../workflows/messages.js';
import { followRunbook } from './fix-follow.js';
import { planLines } from './fix-plan.js';
import { requirePickup, requireWorkerPolling, startRunbook, startWhenFree, type StartRequest } from './fix-start.js';
import type { FixOptions } from './fix.js';

function inputFor(runbook: RunbookName, cluster: string, opts: FixOptions, requester: Actor): RunbookInput {
  const base = { cluster, requestedBy: opts.requestedBy, requester };
  if (runbook === 'reapply-config') return { ...base, mode: opts.recreate ? 'recreate' : 'in-place' } as RunbookInput;
  if (runbook === 'cleanup-orphans') return { ...base, services: opts.service } as RunbookInput;
  return base;
}

/** What starting and following a change reads from the command line (fix and apply alike). */
export type ChangeStartOptions = Pick<
  FixOptions,
  'wait' | 'pickupTimeoutMs' | 'kubeconfig' | 'context' | 'temporalAddress' | 'temporalUi' | 'temporalNamespace'
>;

/** The Temporal UI link of a run, when a UI base URL is known. */
export function uiLink(opts: ChangeStartOptions, workflowId: string, runId: string): string | null {
  const base = opts.temporalUi ?? process.env.TEMPORAL_UI_URL;
  if (!base) return null;
  const workflowPath = `namespaces/${opts.temporalNamespace}/workflows/${encodeURIComponent(workflowId)}/${runId}`;
  return `${base.replace(/\/$/, '')}/${workflowPath}/history`;
}

/** Prints a finished change: summary, changes, checks and every Service's IPs before and after. */
export function printResult(result: RunbookResult): void {
  console.log(`\n${result.summary}`);
  for (const line of result.changes) console.log(`  changed: ${line}`);
  for (const line of result.checks) console.log(`  verified: ${line}`);
  if (result.services.length === 0) return;
  console.log(serviceIpTable(result.services));
}

async function dryRun(runbook: RunbookName, opts: FixOptions): Promise<void> {
  const kc = loadKubeConfig({ kubeconfig: opts.kubeconfig, context: opts.context });
  console.log(`dry run of ${runbook} on cluster ${clusterName(kc)} (nothing is written, no workflow is started):`);
  for (const line of await planLines(kc, { runbook, recreate: Boolean(opts.recreate), services: opts.service }))
    console.log(`  - ${line}`);
}

/** `--backup-of`: writes the backup an earlier run (fix or apply) took, from its history. */
export async function exportEarlierBackup(
  client: Client,
  opts: Pick<FixOptions, 'backupOf' | 'backupFile'>,
): Promise<void> {
  const [workflowId, runId] = opts.backupOf!.split('/run/');
  const backup = await fetchBackup(client, workflowId!, runId);
  if (!backup) throw new UsageError(`workflow ${opts.backupOf} has no completed backup step`);
  writeBackup(opts.backupFile!, backup, `workflow ${opts.backupOf}`);
  console.log(`wrote ${backup.objects.length} object(s) to ${opts.backupFile}`);
}

/** The `worker` command line that serves this cluster, for the refusal when none polls. */
function workerCommand(opts: ChangeStartOptions, cluster: string): string {
  const kubeconfig = opts.kubeconfig ? ` --kubeconfig ${opts.kubeconfig}` : '';
  const context = opts.context ?? cluster;
  return `metallb-runbooks worker --context ${context}${kubeconfig} --temporal-address ${opts.temporalAddress}`;
}

/** Starts the run only for a worker that polls, and returns once a worker has taken it up. */
export async function startChange(client: Client, request: StartRequest, opts: ChangeStartOptions) {
  const cluster = request.input.cluster;
  const worker = workerCommand(opts, cluster);
  await requireWorkerPolling(client, taskQueueFor(cluster), worker);
  const handle = opts.wait
    ? await startWhenFree(client, request, (running) =>
        console.log(
          `waiting for ${running.runbook} (requested by ${running.requestedBy} at ${running.startedAt}, ` +
            `workflow ${running.workflowId}) to finish...`,
        ),
      )
    : await startRunbook(client, request);
  await requirePickup(handle, worker, opts.pickupTimeoutMs);
  return handle;
}

async function runOnTemporal(client: Client, runbook: RunbookName, opts: FixOptions): Promise<void> {
  if (opts.backupOf) return exportEarlierBackup(client, opts);
  const access = { kubeconfig: opts.kubeconfig, context: opts.context };
  const cluster = clusterName(loadKubeConfig(access));
  const requester = await establishActor(access, opts.requestedBy);
  const input = inputFor(runbook, cluster, opts, requester);
  const request = { runbook, input, executionTimeoutSeconds: opts.timeoutSeconds };
  const handle = await startChange(client, request, opts);
  const runId = handle.firstExecutionRunId;
  console.log(
    `started ${runbook} on cluster ${cluster}: workflow ${handle.workflowId} (run ${runId}) ` +
      `on task queue ${taskQueueFor(cluster)}`,
  );
  const link = uiLink(opts, handle.workflowId, runId);
  console.log(
    link
      ? `Temporal UI: ${link}`
      : `follow it: temporal workflow describe --workflow-id ${changeWorkflowId(cluster)} ` +
          '(set TEMPORAL_UI_URL or --temporal-ui for a link)',
  );
  if (opts.wait === false) return;
  const onStepDone = async (step: { id: string }) => {
    if (step.id !== 'export-config' || !opts.backupFile) return;
    const backup = await handle.query(backupQuery);
    if (!backup) return;
    writeBackup(opts.backupFile, backup, `workflow ${handle.workflowId} run ${runId}`);
    console.log(`  backup of ${backup.objects.length} object(s) written to ${opts.backupFile}`);
  };
  printResult(await followRunbook(handle, { onStepDone, taskQueue: taskQueueFor(cluster) }));
}

/** Runs `fix` with flags that passed `checkFixFlags`. */
export async function runFix(runbook: RunbookName, opts: FixOptions): Promise<void> {
  if (opts.dryRun) return dryRun(runbook, opts);
  // The local check first: a kubeconfig or context that cannot be used is named before Temporal is dialled.
  if (!opts.backupOf) loadKubeConfig({ kubeconfig: opts.kubeconfig, context: opts.context });
  await withTemporal(opts, (client) => runOnTemporal(client, runbook, opts), cliTemporalIdentity());
}
