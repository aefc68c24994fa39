// `metallb-runbooks fix <runbook>`: starts the runbook's workflow on the cluster's task queue and
// follows it; `--dry-run` only prints the plan.
import { userInfo } from 'node:os';
import { type Command, Option } from 'commander';
import { Client, Connection } from '@temporalio/client';
import { clusterName, loadKubeConfig } from '../../kube/client.js';
import {
  changeWorkflowId,
  isRunbookName,
  RUNBOOKS,
  taskQueueFor,
  type RunbookName,
} from '../../domain/runbooks/names.js';
import type { RunbookInput, RunbookResult } from '../../domain/runbooks/types.js';
import { table } from '../terminal.js';
import { fetchBackup, writeBackup } from './fix-backup.js';
import { backupQuery } from '../../workflows/messages.js';
import { followRunbook } from './fix-follow.js';
import { planLines } from './fix-plan.js';
import { startRunbook, startWhenFree } from './fix-start.js';

interface FixOptions {
  recreate?: boolean;
  service: string[];
  context?: string;
  kubeconfig?: string;
  temporalAddress: string;
  temporalNamespace: string;
  temporalUi?: string;
  requestedBy: string;
  /** true: --wait (queue behind a running change); false: --no-wait (return after the start). */
  wait?: boolean;
  dryRun?: boolean;
  backupFile?: string;
  backupOf?: string;
}

/** Bad usage: exit code 2. */
class UsageError extends Error {
  readonly exitCode = 2;
}

function inputFor(runbook: RunbookName, cluster: string, opts: FixOptions): RunbookInput {
  const base = { cluster, requestedBy: opts.requestedBy };
  if (runbook === 'reapply-config') return { ...base, mode: opts.recreate ? 'recreate' : 'in-place' } as RunbookInput;
  if (runbook === 'cleanup-orphans') return { ...base, services: opts.service } as RunbookInput;
  return base;
}

function validate(runbook: string, opts: FixOptions): asserts runbook is RunbookName {
  if (!isRunbookName(runbook))
    throw new UsageError(`unknown runbook "${runbook}"; choose one of ${RUNBOOKS.join(', ')}`);
  if (opts.recreate && runbook !== 'reapply-config') throw new UsageError('--recreate only applies to reapply-config');
  if (opts.service.length && runbook !== 'cleanup-orphans')
    throw new UsageError('--service only applies to cleanup-orphans');
  if ((opts.backupFile || opts.backupOf) && runbook !== 'reapply-config')
    throw new UsageError('--backup-file/--backup-of only apply to reapply-config');
  if (opts.backupOf && !opts.backupFile) throw new UsageError('--backup-of needs --backup-file');
  const bad = opts.service.find((s) => !/^[^/\s]+\/[^/\s]+$/.test(s));
  if (bad) throw new UsageError(`--service "${bad}" must be namespace/name`);
}

function uiLink(opts: FixOptions, workflowId: string, runId: string): string | null {
  const base = opts.temporalUi ?? process.env.TEMPORAL_UI_URL;
  if (!base) return null;
  return `${base.replace(/\/$/, '')}/namespaces/${opts.temporalNamespace}/workflows/${encodeURIComponent(workflowId)}/${runId}/history`;
}

function printResult(result: RunbookResult): void {
  console.log(`\n${result.summary}`);
  for (const line of result.changes) console.log(`  changed: ${line}`);
  for (const line of result.checks) console.log(`  verified: ${line}`);
  if (result.services.length === 0) return;
  const rows = table(['Service', 'IPs before', 'IPs after', '']);
  for (const s of result.services)
    rows.push([
      s.service,
      s.before.join(', ') || '<none>',
      s.after.join(', ') || '<none>',
      s.before.join() === s.after.join() ? 'unchanged' : 'CHANGED',
    ]);
  console.log(rows.toString());
}

async function dryRun(runbook: RunbookName, opts: FixOptions): Promise<void> {
  const kc = loadKubeConfig({ kubeconfig: opts.kubeconfig, context: opts.context });
  console.log(`dry run of ${runbook} on cluster ${clusterName(kc)} (nothing is written, no workflow is started):`);
  for (const line of await planLines(kc, { runbook, recreate: Boolean(opts.recreate), services: opts.service }))
    console.log(`  - ${line}`);
}

async function exportEarlierBackup(client: Client, opts: FixOptions): Promise<void> {
  const [workflowId, runId] = opts.backupOf!.split('/run/');
  const backup = await fetchBackup(client, workflowId!, runId);
  if (!backup) throw new UsageError(`workflow ${opts.backupOf} has no completed backup step`);
  writeBackup(opts.backupFile!, backup, `workflow ${opts.backupOf}`);
  console.log(`wrote ${backup.objects.length} object(s) to ${opts.backupFile}`);
}

async function runFix(runbook: string, opts: FixOptions): Promise<void> {
  validate(runbook, opts);
  if (opts.dryRun) return dryRun(runbook, opts);
  const connection = await Connection.connect({ address: opts.temporalAddress });
  try {
    const client = new Client({ connection, namespace: opts.temporalNamespace });
    if (opts.backupOf) return await exportEarlierBackup(client, opts);
    const cluster = clusterName(loadKubeConfig({ kubeconfig: opts.kubeconfig, context: opts.context }));
    const request = { runbook, input: inputFor(runbook, cluster, opts) };
    const handle = opts.wait
      ? await startWhenFree(client, request, (r) =>
          console.log(
            `waiting for ${r.runbook} (requested by ${r.requestedBy} at ${r.startedAt}, workflow ${r.workflowId}) to finish...`,
          ),
        )
      : await startRunbook(client, request);
    const runId = handle.firstExecutionRunId;
    console.log(
      `started ${runbook} on cluster ${cluster}: workflow ${handle.workflowId} (run ${runId}) on task queue ${taskQueueFor(cluster)}`,
    );
    const link = uiLink(opts, handle.workflowId, runId);
    console.log(
      link
        ? `Temporal UI: ${link}`
        : `follow it: temporal workflow describe --workflow-id ${changeWorkflowId(cluster)} (set TEMPORAL_UI_URL or --temporal-ui for a link)`,
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
  } finally {
    await connection.close();
  }
}

export function registerFix(program: Command): void {
  program
    .command('fix')
    .description("run a fix as a durable Temporal workflow on the cluster's worker (one change per cluster at a time)")
    .argument('<runbook>', RUNBOOKS.join(' | '))
    .option(
      '--recreate',
      'reapply-config: delete and re-create the objects (pins every healthy Service IP first) instead of rewriting them in place',
    )
    .option(
      '--service <namespace/name>',
      'cleanup-orphans: only this Service (repeatable); default: every orphan',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--context <name>', 'kube context; the cluster name is the context name (default: current context)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config)')
    .option('--temporal-address <host:port>', 'Temporal frontend', process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233')
    .option('--temporal-namespace <ns>', 'Temporal namespace', process.env.TEMPORAL_NAMESPACE ?? 'default')
    .option('--temporal-ui <url>', 'Temporal Web UI base URL for the link (default: $TEMPORAL_UI_URL)')
    .option(
      '--requested-by <who>',
      'recorded on the workflow (memo, search attribute)',
      process.env.USER ?? userInfo().username,
    )
    .addOption(new Option('--wait', 'if another change is running on the cluster, wait for it to finish, then start'))
    .addOption(new Option('--no-wait', 'return right after the workflow started'))
    .option('--dry-run', 'print what would be done (reads the cluster; writes nothing; starts no workflow)')
    .option('--backup-file <file.yaml>', 'reapply-config: write the backup as YAML as soon as it is taken')
    .option(
      '--backup-of <workflowId[/run/runId]>',
      'reapply-config: only write the backup an earlier run took (with --backup-file)',
    )
    .action((runbook: string, opts: FixOptions) => runFix(runbook, opts));
}
