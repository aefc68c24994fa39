// `metallb-runbooks worker`: flags only; worker-run.ts (the Temporal worker and every activity) loads when it runs.
import type { Command } from 'commander';

/** The flags of `worker`. */
export interface WorkerCliOptions {
  context?: string;
  kubeconfig?: string;
  cluster?: string;
  temporalAddress: string;
  temporalNamespace: string;
  auditDir?: string;
  auditUrl?: string;
  /** Serve Prometheus metrics on this port (off when not given). */
  metricsPort?: string;
  metricsHost: string;
  /** Record MetalLB config changes made outside this tool (commander: --no-watch-config sets it false). */
  watchConfig: boolean;
}

/** Registers `worker`. */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'run the Temporal worker that executes runbooks for one cluster (its credentials stay in this process)',
    )
    .option('--context <name>', 'kube context; the cluster name is the context name (default: current context)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option(
      '--cluster <name>',
      'cluster name for task queue and change ids (default: $METALLB_CLUSTER, else the context name)',
      process.env.METALLB_CLUSTER || undefined,
    )
    .option('--temporal-address <host:port>', 'Temporal frontend', process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233')
    .option('--temporal-namespace <ns>', 'Temporal namespace', process.env.TEMPORAL_NAMESPACE ?? 'default')
    .option(
      '--audit-dir <dir>',
      "audit log directory (default: $METALLB_RUNBOOKS_AUDIT_DIR, the lab's, ~/.local/state/...)",
    )
    .option(
      '--audit-url <url>',
      'also POST each audit record to this collector (default: $METALLB_RUNBOOKS_AUDIT_URL; keep tokens in the env)',
      process.env.METALLB_RUNBOOKS_AUDIT_URL,
    )
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://<metrics-host>:<port>/metrics (default: off)')
    .option('--metrics-host <address>', 'address the metrics server listens on (0.0.0.0 in a pod)', '127.0.0.1')
    .option('--no-watch-config', 'do not watch the MetalLB config for changes made outside this tool (audit log)')
    .action(async (opts: WorkerCliOptions) => {
      const { runWorker } = await import('./worker-run.js');
      await runWorker(opts);
    });
}
