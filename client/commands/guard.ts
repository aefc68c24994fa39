// `metallb-runbooks guard install|uninstall|status`: flags only; guard-run.ts (the Kubernetes client) loads on use.
import type { Command } from 'commander';

/** The flags every guard subcommand takes. */
export interface GuardTargetOptions {
  context?: string;
  kubeconfig?: string;
}

/** The flags of `guard install`. */
export interface GuardInstallOptions extends GuardTargetOptions {
  changeControl?: boolean;
  breakGlassGroup?: string[];
  workerServiceAccount: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function withTarget(command: Command): Command {
  return command
    .option('--context <name>', 'kube context (default: current context)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)');
}

/** Registers `guard` and its subcommands. */
export function registerGuard(program: Command): void {
  const guard = program
    .command('guard')
    .description('guardrails inside the API server (ValidatingAdmissionPolicies): refused for kubectl users too');
  withTarget(guard.command('install'))
    .description('install or update the policies (idempotent: the cluster ends up with exactly what is asked)')
    .option('--change-control', 'MetalLB config writes only by the worker or a --break-glass-group')
    .option('--break-glass-group <group>', 'with --change-control: a group that may write anyway (repeatable)', collect)
    .option(
      '--worker-service-account <ns:name>',
      "the worker's ServiceAccount (deploy/), exempt: its changes are planned and verified",
      'metallb-runbooks:metallb-runbooks',
    )
    .action(async (opts: GuardInstallOptions) => {
      const { installGuard } = await import('./guard-run.js');
      console.log(await installGuard(opts));
    });
  withTarget(guard.command('uninstall'))
    .description('remove every policy and binding guard installed')
    .action(async (opts: GuardTargetOptions) => {
      const { uninstallGuard } = await import('./guard-run.js');
      console.log(await uninstallGuard(opts));
    });
  withTarget(guard.command('status'))
    .description('which guardrails are installed and what each refuses')
    .action(async (opts: GuardTargetOptions) => {
      const { guardStatus } = await import('./guard-run.js');
      console.log(await guardStatus(opts));
    });
}
