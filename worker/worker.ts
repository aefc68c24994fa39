// One worker per cluster: it holds that cluster's credentials and polls that cluster's queue.
import { fileURLToPath } from 'node:url';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Worker,
  type Logger,
  type WorkflowBundle,
} from '@temporalio/worker';
import { clusterName, loadKubeConfig, type ClusterAccess } from '../kube/client.js';
import { createActivities } from '../activities/index.js';
import { taskQueueFor } from '../domain/runbooks/names.js';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface RunbookWorkerOptions {
  access: ClusterAccess;
  temporal: { address: string; namespace: string };
  /** Defaults to the kube context name. */
  cluster?: string;
  /** A prebuilt bundle (tests bundle once per file); default: bundle workflows/index.ts now. */
  workflowBundle?: WorkflowBundle;
}

export interface RunbookWorker {
  worker: Worker;
  cluster: string;
  taskQueue: string;
  connection: NativeConnection;
}

/** Bundles the runbook workflows (webpack's chatter kept at WARN), e.g. once per test file. */
export function bundleRunbookWorkflows(logger: Logger = new DefaultLogger('WARN')): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath, logger });
}

export async function createWorker(options: RunbookWorkerOptions): Promise<RunbookWorker> {
  const kc = loadKubeConfig(options.access);
  const cluster = options.cluster ?? clusterName(kc);
  const taskQueue = taskQueueFor(cluster);
  const connection = await NativeConnection.connect({ address: options.temporal.address });
  const workflowBundle = options.workflowBundle ?? (await bundleRunbookWorkflows());
  const worker = await Worker.create({
    connection,
    namespace: options.temporal.namespace,
    taskQueue,
    workflowBundle,
    activities: createActivities(kc),
    identity: `metallb-runbooks@${cluster}/${process.pid}`,
  });
  return { worker, cluster, taskQueue, connection };
}
