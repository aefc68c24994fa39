import type { Command } from 'commander';
import { createWorker } from '../../worker/worker.js';

export interface WorkerCliOptions {
  context?: string;
  kubeconfig?: string;
  temporalAddress: string;
  temporalNamespace: string;
}

/** Runs until SIGINT/SIGTERM: the SDK's runtime catches them and shuts the worker down gracefully. */
async function runWorker(opts: WorkerCliOptions): Promise<void> {
  const { worker, cluster, taskQueue, connection } = await createWorker({
    access: { kubeconfig: opts.kubeconfig, context: opts.context },
    temporal: { address: opts.temporalAddress, namespace: opts.temporalNamespace },
  });
  console.log(
    `metallb-runbooks worker for cluster ${cluster}: polling ${taskQueue} on ${opts.temporalAddress} (namespace ${opts.temporalNamespace}); Ctrl-C stops it`,
  );
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
  console.log(`worker for ${cluster} stopped`);
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'run the Temporal worker that executes runbooks for one cluster (its credentials stay in this process)',
    )
    .option('--context <name>', 'kube context; the cluster name is the context name (default: current context)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--temporal-address <host:port>', 'Temporal frontend', process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233')
    .option('--temporal-namespace <ns>', 'Temporal namespace', process.env.TEMPORAL_NAMESPACE ?? 'default')
    .action((opts: WorkerCliOptions) => runWorker(opts));
}
