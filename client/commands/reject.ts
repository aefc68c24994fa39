// `metallb-runbooks reject <workflowId>`: flags only; decide-run.ts (Temporal) loads when it runs.
import type { Command } from 'commander';
import { clusterOptions } from './apply.js';
import type { DecideFlags } from './approve.js';
import { defaultRequestedBy } from './fix.js';

/** Registers `reject`. */
export function registerReject(program: Command): void {
  const command = program
    .command('reject')
    .description('reject an apply waiting at its approval gate: it ends with nothing written')
    .argument('<workflowId>', 'the apply run, e.g. metallb-change.<cluster>')
    .option('--reason <text>', 'why, recorded on the run', '')
    .option('--as <who>', 'a name recorded beside your Kubernetes identity (default: $USER)');
  clusterOptions(command).action(async (workflowId: string, flags: DecideFlags) => {
    const { decide } = await import('./decide-run.js');
    await decide(
      workflowId,
      { verb: 'reject', by: flags.as ?? defaultRequestedBy(), reason: flags.reason ?? '' },
      flags,
    );
  });
}
