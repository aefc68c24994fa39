// The run of `metallb-runbooks worker`: polls one cluster's task queue until SIGINT/SIGTERM.
import { constants } from 'node:os';
import type { Server } from 'node:http';
import { createWorker } from '../../worker/worker.js';
import type { WorkerMetrics } from '../../worker/metrics.js';
import { UsageError } from '../usage-error.js';
import { temporalTargetProblem } from '../temporal.js';
import type { WorkerCliOptions } from './worker.js';

const stopSignals = ['SIGINT', 'SIGTERM'] as const;
/** A repeat of the stop signal this soon is the same request arriving twice (terminal and wrapper), not "force". */
const duplicateSignalMs = 2000;

/**
 * The SDK's runtime stops the worker gracefully on the first SIGINT/SIGTERM and then stops listening, so a second
 * one would kill the process mid-task. Ctrl-C under bin/'s Node 24 wrapper delivers two (from the terminal and
 * forwarded): ignore a repeat within a moment, and exit at once only on a later one.
 */
function guardAgainstRepeatedStopSignals(): () => void {
  let firstAt: number | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstAt === null) {
      firstAt = Date.now();
      console.log(`worker stopping (${signal}): finishing the tasks it holds; send it again to stop at once`);
    } else if (Date.now() - firstAt > duplicateSignalMs) process.exit(128 + constants.signals[signal]);
  };
  for (const signal of stopSignals) process.on(signal, onSignal);
  return () => stopSignals.forEach((signal) => process.off(signal, onSignal));
}

/** --metrics-port given: the metrics and their server (prom-client loads only then). */
async function startMetrics(opts: WorkerCliOptions): Promise<{ metrics: WorkerMetrics; server: Server } | null> {
  if (opts.metricsPort === undefined) return null;
  const port = Number(opts.metricsPort);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError(`--metrics-port "${opts.metricsPort}" must be a port number (1-65535)`);
  const { createWorkerMetrics, serveMetrics } = await import('../../worker/metrics.js');
  const metrics = createWorkerMetrics();
  const server = await serveMetrics(metrics.registry, { host: opts.metricsHost, port }).catch((error: Error) => {
    throw new UsageError(`cannot serve metrics on ${opts.metricsHost}:${port}: ${error.message}`);
  });
  console.log(`metrics: http://${opts.metricsHost}:${port}/metrics`);
  return { metrics, server };
}

/** Runs until SIGINT/SIGTERM: the SDK's runtime catches them and shuts the worker down gracefully. */
export async function runWorker(opts: WorkerCliOptions): Promise<void> {
  const served = await startMetrics(opts);
  const { worker, cluster, taskQueue, close, workflowSource, audit } = await createWorker({
    access: { kubeconfig: opts.kubeconfig, context: opts.context },
    // In a cluster there is no context name: the Deployment names the cluster the CLI's --context targets.
    ...(opts.cluster ? { cluster: opts.cluster } : {}),
    temporal: { address: opts.temporalAddress, namespace: opts.temporalNamespace },
    audit: { ...(opts.auditDir ? { directory: opts.auditDir } : {}), ...(opts.auditUrl ? { url: opts.auditUrl } : {}) },
    ...(served ? { observer: served.metrics.changes, watchObserver: served.metrics.watch } : {}),
    configWatch: opts.watchConfig,
  }).catch((error: unknown) => {
    throw temporalTargetProblem(error, opts) ?? error;
  });
  console.log(`workflows: ${workflowSource}`);
  console.log(`audit log: ${audit.directory}${audit.forwardedTo ? `, forwarded to ${audit.forwardedTo}` : ''}`);
  console.log(
    opts.watchConfig
      ? 'config watch: recording MetalLB config changes made outside metallb-runbooks in the audit log'
      : 'config watch: off (--no-watch-config)',
  );
  console.log(
    `metallb-runbooks worker for cluster ${cluster}: polling ${taskQueue} on ${opts.temporalAddress} ` +
      `(namespace ${opts.temporalNamespace}); Ctrl-C stops it`,
  );
  const stopGuarding = guardAgainstRepeatedStopSignals();
  try {
    await worker.run();
  } finally {
    stopGuarding();
    await audit.forwarder?.stop();
    await close();
    served?.server.close();
  }
  console.log(`worker for ${cluster} stopped`);
}
