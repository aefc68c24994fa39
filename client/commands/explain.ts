// `metallb-runbooks explain svc/<ns>/<name> | pool/<name>`: flags only; explain-run.ts (the cluster reader, the
// diagnosis) loads when it runs.
import type { Command } from 'commander';

/** Explains one object with the given target and flags (as commander names them); loads the implementation. */
export async function runExplain(target: string, raw: unknown): Promise<{ exitCode: number; text: string }> {
  const implementation = await import('./explain-run.js');
  return implementation.runExplain(target, raw);
}

/** Registers `explain`. */
export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('why one Service has no IP, another IP or no announcement, or what one pool serves: the chain')
    .argument('<target>', 'svc/<namespace>/<name> or pool/<name>')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .option('--lab', 'explain on the local lab (npm run lab -- up)')
    .option('--metallb-namespace <ns>', "MetalLB's namespace (default: found from the controller workload)")
    .option('--since <duration>', 'window for controller and speaker logs', '1h')
    .option('--no-log-cache', 're-read the whole log window (default: only what was logged since the last run)')
    .option('-o, --output <format>', 'human or json', 'human')
    .option('--from-file <files...>', 'explain from `kubectl get ... -o yaml` dumps instead of a cluster')
    .option('--controller-log <file>', 'with --from-file: the controller log')
    .option('--speaker-log <file>', 'with --from-file: speaker logs')
    .action(async (target: string, opts: Record<string, unknown>) => {
      const { text, exitCode } = await runExplain(target, opts);
      console.log(text);
      process.exitCode = exitCode;
    });
}
