// `metallb-runbooks approve <workflowId>`: flags only; decide-run.ts (Temporal) loads when it runs.
import type { Command } from 'commander';
import { clusterOptions } from './apply.js';
import { defaultRequestedBy } from './fix.js';

/** The flags of `approve` and `reject`. */
export interface DecideFlags {
  as?: string;
  context?: string;
  kubeconfig?: string;
  reason?: string;
  temporalAddress: string;
  temporalNamespace: string;
}

/** Registers `approve`. */
export function registerApprove(program: Command): void {
  const command = program
    .command('approve')
    .description(
      'approve an apply waiting at its approval gate (not by its requester): prints the plan, approves, ' +
        'and reports whether the plan still holds on the live cluster',
    )
    .argument('<workflowId>', 'the apply run, e.g. metallb-change.<cluster> (as `apply --approval` printed it)')
    .option('--as <who>', 'a name recorded beside your Kubernetes identity, which is what decides (default: $USER)');
  clusterOptions(command).action(async (workflowId: string, flags: DecideFlags) => {
    const { decide } = await import('./decide-run.js');
    await decide(workflowId, { verb: 'approve', by: flags.as ?? defaultRequestedBy(), reason: '' }, flags);
  });
}
