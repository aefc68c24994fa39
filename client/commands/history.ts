// `metallb-runbooks history`: flags only; history-run.ts (the audit log reader) loads when it runs.
import type { Command } from 'commander';

/** The flags every `history` subcommand shares. */
export interface HistoryFlags {
  auditDir?: string;
  kubeconfig?: string;
  lab?: boolean;
  cluster?: string;
  since?: string;
  runbook?: string;
  outcome?: string;
  object?: string;
  source?: string;
  limit?: string;
  output: string;
}

function withLogFlags(command: Command): Command {
  return command
    .option('--audit-dir <dir>', "the worker's audit log directory (default: as the worker picks it)")
    .option('--kubeconfig <file>', "a local lab's kubeconfig: read that lab's audit log")
    .option('--lab', "read the local lab's audit log");
}

function withFilters(command: Command): Command {
  return withLogFlags(command)
    .option('--cluster <name>', 'changes on this cluster only')
    .option('--since <duration>', 'changes that ended this long ago or later, e.g. 7d, 12h')
    .option('--runbook <name>', 'one runbook, or apply')
    .option('--outcome <outcome>', 'succeeded, rolled-back, failed, refused, rejected or timed-out')
    .option('--object <kind/name>', 'changes that touched this object, e.g. pool/demo-pool, svc/ns/name')
    .option('--source <source>', "ours (our runs) or outside (seen by the worker's config watch)");
}

async function run(verb: 'list' | 'show' | 'export' | 'verify', flags: HistoryFlags, id?: string): Promise<void> {
  const { runHistory } = await import('./history-run.js');
  process.exitCode = await runHistory(verb, flags, id);
}

// The parent `history` takes the shared flags wherever they are written: read both levels.
const all = (command: Command) => command.optsWithGlobals<HistoryFlags>();

/** Registers `history` and its subcommands. */
export function registerHistory(program: Command): void {
  const history = withFilters(
    program
      .command('history')
      .description('every MetalLB change, ours and outside ones (who, what, when, outcome), from the audit log')
      .option('-o, --output <format>', 'table or json', 'table')
      .option('--limit <count>', 'show the newest N matching changes (0: all)', '50'),
  ).action((flags: HistoryFlags) => run('list', flags));
  withLogFlags(history.command('show').description('one change: steps, diff, Service IPs, approvals'))
    .argument('<id>', 'the record id (<workflowId>/<runId>), its run id (or 8+ leading characters), or #<seq>')
    .option('-o, --output <format>', 'human or json', 'human')
    .action((id: string, _flags: HistoryFlags, command: Command) => run('show', all(command), id));
  withFilters(
    history.command('export').description('the matching records as stored (JSON Lines), e.g. for a SIEM'),
  ).action((_flags: HistoryFlags, command: Command) => run('export', { ...all(command), output: 'jsonl' }));
  withLogFlags(
    history.command('verify').description('check the hash chain of the audit log; name where it breaks'),
  ).action((_flags: HistoryFlags, command: Command) => run('verify', { ...all(command), output: 'human' }));
}
