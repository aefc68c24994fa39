/** The `metallb-runbooks` command line: one subcommand per file under client/commands/. */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerDemo } from './commands/demo.js';
import { registerDiagnose } from './commands/diagnose.js';
import { registerFix } from './commands/fix.js';
import { registerWorker } from './commands/worker.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command('metallb-runbooks')
  .description('Find MetalLB configuration drift and fix it with durable Temporal workflows.')
  .version(version, '-V, --version')
  .showHelpAfterError();

registerDemo(program);
registerDiagnose(program);
registerFix(program);
registerWorker(program);

program.parseAsync().catch((error: Error & { exitCode?: number }) => {
  console.error(`metallb-runbooks: ${error.message}`);
  process.exit(typeof error.exitCode === 'number' ? error.exitCode : 1);
});
