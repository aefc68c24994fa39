// `metallb-runbooks fix <runbook>`: flags and their checks only; the run itself (Temporal, Kubernetes) is in
// fix-run.ts, imported when the command runs.
import { userInfo } from 'node:os';
import { type Command, Option } from 'commander';
import { isRunbookName, RUNBOOKS, type RunbookName } from '../../domain/runbooks/names.js';
import { parseDurationSeconds } from '../../domain/duration.js';
import { UsageError } from '../usage-error.js';

/** The flags of `fix`, as commander parses them. */
export interface FixFlags {
  recreate?: boolean;
  service: string[];
  context?: string;
  kubeconfig?: string;
  temporalAddress: string;
  temporalNamespace: string;
  temporalUi?: string;
  requestedBy?: string;
  /** true: --wait (queue behind a running change); false: --no-wait (return after the start). */
  wait?: boolean;
  timeout: string;
  dryRun?: boolean;
  backupFile?: string;
  backupOf?: string;
}

/** The flags after their checks: who asks is known, the timeout is in seconds. */
export interface FixOptions extends FixFlags {
  requestedBy: string;
  timeoutSeconds: number;
  /** How long a started run may wait for a worker to take it up ($METALLB_RUNBOOKS_PICKUP_TIMEOUT_MS, for tests). */
  pickupTimeoutMs?: number;
}

type LookUpUserName = () => string;

/**
 * Who asks for a change, when --requested-by is not given: $USER, else the account name of this UID, else
 * `uid:<n>` (pods often run as a UID with no passwd entry, where `os.userInfo()` throws).
 */
export function defaultRequestedBy(
  env: NodeJS.ProcessEnv = process.env,
  lookUpUserName: LookUpUserName = () => userInfo().username,
  uid: number | undefined = process.getuid?.(),
): string {
  if (env.USER) return env.USER;
  try {
    return lookUpUserName();
  } catch {
    return uid === undefined ? 'unknown' : `uid:${uid}`;
  }
}

/** Flags that belong to one runbook: given to another, they are refused rather than ignored. */
function checkRunbookOnlyFlags(runbook: RunbookName, flags: FixFlags): void {
  if (flags.recreate && runbook !== 'reapply-config') throw new UsageError('--recreate only applies to reapply-config');
  if (flags.service.length && runbook !== 'cleanup-orphans')
    throw new UsageError('--service only applies to cleanup-orphans');
  if ((flags.backupFile || flags.backupOf) && runbook !== 'reapply-config')
    throw new UsageError('--backup-file/--backup-of only apply to reapply-config');
}

function checkRunbookFlags(runbook: RunbookName, flags: FixFlags): void {
  checkRunbookOnlyFlags(runbook, flags);
  if (flags.backupOf && !flags.backupFile) throw new UsageError('--backup-of needs --backup-file');
  const badService = flags.service.find((service) => !/^[^/\s]+\/[^/\s]+$/.test(service));
  if (badService) throw new UsageError(`--service "${badService}" must be namespace/name`);
}

/** Every check that needs no server; `waitFlags` are the spellings of --wait/--no-wait the command line used. */
export function checkFixFlags(runbook: string, flags: FixFlags, waitFlags: ReadonlySet<string>): FixOptions {
  if (!isRunbookName(runbook))
    throw new UsageError(`unknown runbook "${runbook}"; choose one of ${RUNBOOKS.join(', ')}`);
  if (waitFlags.size > 1) throw new UsageError('--wait and --no-wait contradict each other: give one of them');
  checkRunbookFlags(runbook, flags);
  const timeoutSeconds = parseDurationSeconds(flags.timeout);
  if (timeoutSeconds === null) throw new UsageError(`--timeout "${flags.timeout}" must be a duration like 30m or 1h`);
  const pickupTimeoutMs = Number(process.env.METALLB_RUNBOOKS_PICKUP_TIMEOUT_MS) || undefined;
  return { ...flags, requestedBy: flags.requestedBy ?? defaultRequestedBy(), timeoutSeconds, pickupTimeoutMs };
}

/** Registers `fix`; its action loads fix-run.ts only once the flags passed their checks. */
export function registerFix(program: Command): void {
  const waitFlags = new Set<string>();
  program
    .command('fix')
    .description("run a fix as a durable Temporal workflow on the cluster's worker (one change per cluster at a time)")
    .argument('<runbook>', RUNBOOKS.join(' | '))
    .option(
      '--recreate',
      'reapply-config: delete and re-create the objects (pins every healthy Service IP first) ' +
        'instead of rewriting them in place',
    )
    .option(
      '--service <namespace/name>',
      'cleanup-orphans: only this Service (repeatable); default: every orphan',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--context <name>', 'kube context; the cluster name is the context name (default: current context)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config)')
    .option('--temporal-address <host:port>', 'Temporal frontend', process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233')
    .option('--temporal-namespace <ns>', 'Temporal namespace', process.env.TEMPORAL_NAMESPACE ?? 'default')
    .option('--temporal-ui <url>', 'Temporal Web UI base URL for the link (default: $TEMPORAL_UI_URL)')
    .option('--requested-by <who>', 'recorded on the workflow (memo, search attribute); default: $USER, else the UID')
    .addOption(new Option('--wait', 'if another change is running on the cluster, wait for it to finish, then start'))
    .addOption(new Option('--no-wait', 'return right after the workflow started'))
    .option(
      '--timeout <duration>',
      'Temporal ends the run if it has not finished by then, so a run nobody executes cannot hold the cluster',
      '1h',
    )
    .option('--dry-run', 'print what would be done (reads the cluster; writes nothing; starts no workflow)')
    .option('--backup-file <file.yaml>', 'reapply-config: write the backup as YAML as soon as it is taken')
    .option(
      '--backup-of <workflowId[/run/runId]>',
      'reapply-config: only write the backup an earlier run took (with --backup-file)',
    )
    .on('option:wait', () => waitFlags.add('--wait'))
    .on('option:no-wait', () => waitFlags.add('--no-wait'))
    .action(async (runbook: string, flags: FixFlags) => {
      const options = checkFixFlags(runbook, flags, waitFlags);
      const { runFix } = await import('./fix-run.js');
      await runFix(runbook as RunbookName, options);
    });
}
