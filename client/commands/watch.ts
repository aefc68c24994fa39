// `metallb-runbooks watch`: flags and their checks only; the schedule calls (Temporal) are in watch-run.ts,
// imported when the command runs.
import type { Command } from 'commander';
import { parseDurationSeconds } from '../../domain/duration.js';
import { AUTO_FIX_RUNBOOKS, type AutoFixRunbook, type WatchSinks } from '../../domain/watch/types.js';
import { UsageError } from '../usage-error.js';
import { defaultRequestedBy } from './fix.js';

/** The flags every `watch` command takes: which cluster, which Temporal. */
export interface WatchTargetFlags {
  context?: string;
  kubeconfig?: string;
  temporalAddress: string;
  temporalNamespace: string;
}

/** The flags of `watch` itself, as commander parses them. */
export interface WatchFlags extends WatchTargetFlags {
  every: string;
  alertmanager: string[];
  webhook?: string;
  slack?: string;
  autoFix: string[];
  requestedBy?: string;
}

/** The flags after their checks. */
export interface WatchOptions extends WatchTargetFlags {
  intervalSeconds: number;
  sinks: WatchSinks;
  autoFix: AutoFixRunbook[];
  requestedBy: string;
}

/** Schedules run no more often than this (a diagnosis reads the whole cluster). */
const minimumIntervalSeconds = 5;

const isReference = (target: string) => /^(env:[A-Za-z_][A-Za-z0-9_]*|file:\/.+)$/.test(target);
const isHttpUrl = (target: string) => /^https?:\/\/[^\s]+$/.test(target);

function checkSlack(slack: string): void {
  if (isHttpUrl(slack))
    throw new UsageError(
      '--slack takes env:NAME or file:/path that the worker reads, not the URL: a Slack webhook URL is a ' +
        'credential and the schedule is stored in every run history',
    );
  if (!isReference(slack)) throw new UsageError(`--slack "${slack}" must be env:NAME or file:/absolute/path`);
}

function checkSinks(flags: WatchFlags): WatchSinks {
  const badAlertmanager = flags.alertmanager.find((url) => !isHttpUrl(url));
  if (badAlertmanager) throw new UsageError(`--alertmanager "${badAlertmanager}" must be an http(s) URL`);
  if (flags.webhook && !isHttpUrl(flags.webhook) && !isReference(flags.webhook))
    throw new UsageError(`--webhook "${flags.webhook}" must be an http(s) URL, env:NAME or file:/path`);
  if (flags.slack) checkSlack(flags.slack);
  return { alertmanager: flags.alertmanager, webhook: flags.webhook ?? null, slack: flags.slack ?? null };
}

/** Every check that needs no server. */
export function checkWatchFlags(flags: WatchFlags): WatchOptions {
  const intervalSeconds = parseDurationSeconds(flags.every);
  if (intervalSeconds === null) throw new UsageError(`--every "${flags.every}" must be a duration like 30s, 5m or 1h`);
  if (intervalSeconds < minimumIntervalSeconds)
    throw new UsageError(`--every ${flags.every} is too often: at least ${minimumIntervalSeconds}s`);
  const unknown = flags.autoFix.find((name) => !(AUTO_FIX_RUNBOOKS as readonly string[]).includes(name));
  if (unknown) throw new UsageError(`--auto-fix "${unknown}": choose ${AUTO_FIX_RUNBOOKS.join(' or ')}`);
  const sinks = checkSinks(flags);
  if (!sinks.alertmanager.length && !sinks.webhook && !sinks.slack)
    throw new UsageError('watch needs somewhere to send alerts: --alertmanager, --webhook or --slack');
  return {
    ...flags,
    intervalSeconds,
    sinks,
    autoFix: [...new Set(flags.autoFix)] as AutoFixRunbook[],
    requestedBy: flags.requestedBy ?? defaultRequestedBy(),
  };
}

const repeatable = (value: string, previous: string[]) => [...previous, value];

function withTarget(command: Command): Command {
  return command
    .option('--context <name>', 'kube context; the cluster name is the context name (default: current context)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config)')
    .option('--temporal-address <host:port>', 'Temporal frontend', process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233')
    .option('--temporal-namespace <ns>', 'Temporal namespace', process.env.TEMPORAL_NAMESPACE ?? 'default');
}

function registerScheduleCommand(watch: Command, name: 'pause' | 'resume' | 'delete', description: string): void {
  // `watch` has the same flags, and commander gives them to it even after the subcommand: read both.
  withTarget(watch.command(name).description(description)).action(async (_flags: unknown, command: Command) => {
    const { changeWatchState } = await import('./watch-run.js');
    await changeWatchState(name, command.optsWithGlobals<WatchTargetFlags>());
  });
}

/** Registers `watch` and its `pause`, `resume`, `delete` and `list`. */
export function registerWatch(program: Command): void {
  const watch = withTarget(
    program
      .command('watch')
      .description(
        "diagnose a cluster on a Temporal Schedule and alert on drift (create or update the cluster's watch)",
      ),
  )
    .option('--every <duration>', 'how often to diagnose, e.g. 5m', '5m')
    .option('--alertmanager <url>', 'Alertmanager to post alerts to (v2 API; repeatable)', repeatable, [] as string[])
    .option('--webhook <url|env:NAME|file:/path>', 'generic JSON webhook for new and resolved findings')
    .option('--slack <env:NAME|file:/path>', "Slack-compatible incoming webhook, read from the worker's env or a file")
    .option('--auto-fix <runbook>', `run a finding's runbook once: ${AUTO_FIX_RUNBOOKS.join(' | ')}`, repeatable, [])
    .option('--requested-by <who>', 'recorded on the schedule and on auto-fix runs; default: $USER, else the UID')
    .action(async (flags: WatchFlags) => {
      const options = checkWatchFlags(flags);
      const { runWatch } = await import('./watch-run.js');
      await runWatch(options);
    });
  registerScheduleCommand(watch, 'pause', "pause the cluster's watch (no runs until resumed)");
  registerScheduleCommand(watch, 'resume', "resume the cluster's paused watch");
  registerScheduleCommand(watch, 'delete', "delete the cluster's watch and what it remembers");
  watch
    .command('list')
    .description('list every watch: cluster, interval, sinks, paused, last and next run')
    .option('--temporal-address <host:port>', 'Temporal frontend', process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233')
    .option('--temporal-namespace <ns>', 'Temporal namespace', process.env.TEMPORAL_NAMESPACE ?? 'default')
    .action(async (_flags: unknown, command: Command) => {
      const { listWatches } = await import('./watch-run.js');
      await listWatches(command.optsWithGlobals<WatchTargetFlags>());
    });
}
