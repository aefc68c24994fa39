// `metallb-runbooks apply -f ...`: flags and their checks only; the run (files, Temporal) is in
// apply-run.ts, imported when the command runs.
import { type Command, Option } from 'commander';
import { parseDurationSeconds } from '../../domain/duration.js';
import type { PruneScope } from '../../domain/plan/types.js';
import { UsageError } from '../usage-error.js';
import { defaultRequestedBy } from './fix.js';

/** The flags of `apply`, as commander parses them. */
export interface ApplyFlags {
  filename: string[];
  prune?: boolean;
  selector?: string;
  all?: boolean;
  allowIpChanges?: boolean;
  approval?: boolean;
  approvalTimeout?: string;
  metallbNamespace: string;
  context?: string;
  kubeconfig?: string;
  temporalAddress: string;
  temporalNamespace: string;
  temporalUi?: string;
  requestedBy?: string;
  wait?: boolean;
  timeout?: string;
  dryRun?: boolean;
  backupFile?: string;
  backupOf?: string;
}

/** The flags after their checks. */
export interface ApplyOptions extends ApplyFlags {
  requestedBy: string;
  prune: boolean;
  pruneScope: PruneScope | null;
  approvalTimeoutSeconds: number | null;
  timeoutSeconds: number;
  pickupTimeoutMs?: number;
}

const defaultApprovalSeconds = 3600;
const defaultRunSeconds = 3600;

/** `-l a=b,c=d` as a label map; a malformed pair is a usage error. */
export function parseSelector(text: string): Record<string, string> {
  const pairs = text.split(',').map((pair) => pair.trim());
  const bad = pairs.find((pair) => !/^[^=\s]+=[^=\s]*$/.test(pair));
  if (bad !== undefined) throw new UsageError(`--selector "${text}" must be key=value[,key=value...] ("${bad}")`);
  return Object.fromEntries(pairs.map((pair) => pair.split('=') as [string, string]));
}

function pruneScopeOf(flags: ApplyFlags): PruneScope | null {
  if (!flags.prune) {
    if (flags.selector || flags.all) throw new UsageError('-l/--selector and --all only apply with --prune');
    return null;
  }
  if (flags.selector && flags.all) throw new UsageError('--prune takes -l/--selector or --all, not both');
  if (flags.all) return { all: true };
  if (flags.selector) return { selector: parseSelector(flags.selector) };
  throw new UsageError('--prune needs a scope, as kubectl apply --prune does: -l/--selector key=value or --all');
}

function durationOf(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const seconds = parseDurationSeconds(value);
  if (seconds === null) throw new UsageError(`${flag} "${value}" must be a duration like 30m or 1h`);
  return seconds;
}

function checkBackupFlags(flags: ApplyFlags, waitFlags: ReadonlySet<string>): void {
  if (flags.backupOf && !flags.backupFile) throw new UsageError('--backup-of needs --backup-file');
  if (flags.backupFile && !flags.backupOf && waitFlags.has('--no-wait'))
    throw new UsageError(
      '--backup-file is written while the CLI follows the run: drop --no-wait, or use --backup-of later',
    );
}

function checkCombinations(flags: ApplyFlags, waitFlags: ReadonlySet<string>): void {
  if (waitFlags.size > 1) throw new UsageError('--wait and --no-wait contradict each other: give one of them');
  if (!flags.backupOf && flags.filename.length === 0)
    throw new UsageError('apply needs the desired config: -f <file|dir> (repeatable)');
  checkBackupFlags(flags, waitFlags);
  if (flags.approvalTimeout !== undefined && !flags.approval)
    throw new UsageError('--approval-timeout only applies with --approval');
}

/** Every check that needs no server. */
export function checkApplyFlags(flags: ApplyFlags, waitFlags: ReadonlySet<string>): ApplyOptions {
  checkCombinations(flags, waitFlags);
  const pruneScope = pruneScopeOf(flags);
  const approvalTimeoutSeconds = flags.approval
    ? durationOf('--approval-timeout', flags.approvalTimeout, defaultApprovalSeconds)
    : null;
  // The run must outlive its approval wait: by default it gets an hour after the approval deadline.
  const timeoutSeconds = durationOf('--timeout', flags.timeout, (approvalTimeoutSeconds ?? 0) + defaultRunSeconds);
  if (approvalTimeoutSeconds !== null && timeoutSeconds <= approvalTimeoutSeconds)
    throw new UsageError('--timeout must be longer than --approval-timeout (the run waits for the approval first)');
  const pickupTimeoutMs = Number(process.env.METALLB_RUNBOOKS_PICKUP_TIMEOUT_MS) || undefined;
  return {
    ...flags,
    prune: Boolean(flags.prune),
    pruneScope,
    approvalTimeoutSeconds,
    timeoutSeconds,
    requestedBy: flags.requestedBy ?? defaultRequestedBy(),
    pickupTimeoutMs,
  };
}

/** The kube and Temporal flags every change command takes. */
export function clusterOptions(command: Command): Command {
  return command
    .option('--context <name>', 'kube context; the cluster name is the context name (default: current context)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config)')
    .option('--temporal-address <host:port>', 'Temporal frontend', process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233')
    .option('--temporal-namespace <ns>', 'Temporal namespace', process.env.TEMPORAL_NAMESPACE ?? 'default')
    .option('--temporal-ui <url>', 'Temporal Web UI base URL for the link (default: $TEMPORAL_UI_URL)');
}

/** Registers `apply`; its action loads apply-run.ts only once the flags passed their checks. */
export function registerApply(program: Command): void {
  const waitFlags = new Set<string>();
  const command = program
    .command('apply')
    .description(
      'apply MetalLB config files as one durable workflow: re-planned on the live cluster, backed up, ' +
        'optionally approved, applied one step at a time, verified, rolled back on failure',
    )
    .option('-f, --filename <file|dir>', 'desired config (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .option('--prune', 'delete MetalLB config objects absent from the files, within -l or --all')
    .option('-l, --selector <key=value,...>', 'with --prune: only objects with these labels')
    .option('--all', 'with --prune: every MetalLB config object in the namespace')
    .option('--allow-ip-changes', 'apply a plan that moves or drops Service IPs (otherwise refused)')
    .option('--approval', 'wait for `metallb-runbooks approve <workflowId>` by someone else before any write')
    .option('--approval-timeout <duration>', 'with --approval: reject when nobody decided by then (default 1h)')
    .option('--metallb-namespace <ns>', 'namespace for documents that name none', 'metallb-system')
    .option('--requested-by <who>', 'recorded on the workflow; default: $USER, else the UID')
    .addOption(new Option('--wait', 'if another change is running on the cluster, wait for it to finish, then start'))
    .addOption(new Option('--no-wait', 'return right after the workflow started'))
    .option('--timeout <duration>', 'Temporal ends the run by then (default: 1h, plus the approval timeout)')
    .option('--dry-run', 'print the plan against the live cluster and the steps (writes nothing, starts nothing)')
    .option('--backup-file <file.yaml>', 'write the backup as YAML as soon as it is taken')
    .option('--backup-of <workflowId[/run/runId]>', 'only write the backup an earlier run took (with --backup-file)');
  clusterOptions(command)
    .on('option:wait', () => waitFlags.add('--wait'))
    .on('option:no-wait', () => waitFlags.add('--no-wait'))
    .action(async (flags: ApplyFlags) => {
      const options = checkApplyFlags(flags, waitFlags);
      const { runApply } = await import('./apply-run.js');
      await runApply(options);
    });
}
