// `metallb-runbooks diagnose`: flags only; diagnose-run.ts (the cluster reader, zod, every check) loads when it runs.
import type { Command } from 'commander';
import type { DiagnosisReport } from '../../domain/diagnose/report.js';

/** Diagnoses with the given flags (as commander names them); loads the implementation on first use. */
export async function runDiagnose(raw: unknown): Promise<{ report: DiagnosisReport; exitCode: number; text: string }> {
  const implementation = await import('./diagnose-run.js');
  return implementation.runDiagnose(raw);
}

/** Registers `diagnose`. */
export function registerDiagnose(program: Command): void {
  program
    .command('diagnose')
    .description('read-only report of every kind of MetalLB drift, with the runbook that fixes each finding')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .option('--lab', 'diagnose the local lab (npm run lab -- up)')
    .option('--metallb-namespace <ns>', "MetalLB's namespace (default: found from the controller workload)")
    .option('-n, --namespace <ns>', 'check Services in this namespace only')
    .option('-A, --all-namespaces', 'check Services in every namespace (the default)')
    .option('--since <duration>', 'window for controller and speaker logs', '1h')
    .option('--no-log-cache', 're-read the whole log window (default: only what was logged since the last run)')
    .option('-o, --output <format>', 'human or json (versioned schema: schemas/diagnosis-report.v2.json)', 'human')
    .option('--fail-on <severity>', 'exit 1 when a finding is at least this severe: error, warning, info', 'error')
    .option('--from-file <files...>', 'diagnose `kubectl get ... -o yaml` dumps instead of a cluster')
    .option('--controller-log <file>', 'with --from-file: the controller log')
    .option('--speaker-log <file>', 'with --from-file: speaker logs')
    .action(async (opts: Record<string, unknown>) => {
      const { text, exitCode } = await runDiagnose(opts);
      console.log(text);
      process.exitCode = exitCode;
    });
}
