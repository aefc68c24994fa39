// The command tree, built cheaply: each command registers its flags here and imports its implementation only when
// it runs, so `--version` and `--help` load commander and nothing else.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { clusterFailure } from './cli-failure.js';
import { registerApply } from './commands/apply.js';
import { registerApprove } from './commands/approve.js';
import { registerDemo } from './commands/demo.js';
import { registerDiagnose } from './commands/diagnose.js';
import { registerExplain } from './commands/explain.js';
import { registerFix } from './commands/fix.js';
import { registerGuard } from './commands/guard.js';
import { registerHistory } from './commands/history.js';
import { registerPlan } from './commands/plan.js';
import { registerReject } from './commands/reject.js';
import { registerWatch } from './commands/watch.js';
import { registerWorker } from './commands/worker.js';

/** Where the CLI writes; tests pass their own to capture it. */
export interface CliOutput {
  writeOut: (text: string) => void;
  writeErr: (text: string) => void;
}

const processOutput: CliOutput = {
  writeOut: (text) => process.stdout.write(text),
  writeErr: (text) => process.stderr.write(text),
};

/** package.json's version, found from client/ in a checkout and from dist/client/ when compiled. */
function packageVersion(): string {
  for (const candidate of ['../package.json', '../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === 'metallb-runbooks' && manifest.version) return manifest.version;
    } catch {
      // not at this level: try the next one up
    }
  }
  return 'unknown';
}

/** Every command, with commander's exits turned into exceptions so that `runCli` decides the exit code. */
export function buildProgram(output: CliOutput = processOutput): Command {
  const program = new Command('metallb-runbooks')
    .description('Find MetalLB configuration drift and fix it with durable Temporal workflows.')
    .version(packageVersion(), '-V, --version')
    // Inherited by every subcommand registered below: commander throws instead of exiting, and prints nothing
    // on a usage error (runCli prints it as one line).
    .exitOverride()
    .configureOutput({ writeOut: output.writeOut, writeErr: output.writeErr, outputError: () => undefined });
  registerDemo(program);
  registerDiagnose(program);
  registerExplain(program);
  registerFix(program);
  registerPlan(program);
  registerApply(program);
  registerApprove(program);
  registerReject(program);
  registerHistory(program);
  registerWorker(program);
  registerGuard(program);
  registerWatch(program);
  return program;
}

/** Commander's own errors: help and version exit 0, anything else is bad usage (exit 2, like every UsageError). */
function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (clusterFailure(error)) return 2;
  const code = (error as { exitCode?: unknown }).exitCode;
  return typeof code === 'number' ? code : 1;
}

/** One line: commander's "error: ..." and its "(Did you mean ...?)" joined, with where to read the usage. */
function errorLine(error: unknown, program: Command, args: string[]): string {
  // One line whatever the error: a message that spans lines (a server's answer, a parser's) is joined.
  const text = clusterFailure(error)?.message ?? (error instanceof Error ? error.message : String(error));
  const message = text.replace(/^error: /, '').trim();
  if (!(error instanceof CommanderError)) return `metallb-runbooks: ${message.replace(/\s*\n\s*/g, '; ')}`;
  const command = program.commands.find((candidate) => args.includes(candidate.name()));
  const usage = command ? `metallb-runbooks ${command.name()} --help` : 'metallb-runbooks --help';
  return `metallb-runbooks: ${message.replace(/\s*\n\s*/g, ' ')} (usage: ${usage})`;
}

/** Runs one command line (`argv` as in process.argv) and returns the exit code; process.exitCode is the default. */
export async function runCli(argv: string[], output: CliOutput = processOutput): Promise<number> {
  const program = buildProgram(output);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    const exitCode = exitCodeOf(error);
    // Help shown because no command was given is its own message; anything else gets one line.
    const helpShown = error instanceof CommanderError && error.code === 'commander.help';
    if (exitCode !== 0 && !helpShown) output.writeErr(`${errorLine(error, program, argv.slice(2))}\n`);
    return exitCode;
  }
}
