// One worker per cluster: it holds that cluster's credentials and polls that cluster's queue.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Worker,
  type Logger,
  type WorkflowBundle,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { clusterName, loadKubeConfig, withRequestTimeout, type ClusterAccess } from '../kube/client.js';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { createActivities } from '../activities/index.js';
import { createWatchActivities } from '../activities/watch.js';
import { ignoreWatch, type WatchObserver } from '../domain/watch/observer.js';
import { changeWorkflowId, taskQueueFor } from '../domain/runbooks/names.js';
import { changeSinksFor, ignoreChanges, type ChangeObserver } from './sinks.js';
import { defaultAuditDirectory } from '../audit/directory.js';
import { collectorName, startForwarder, type AuditForwarder } from '../audit/forwarder.js';
import { requireSearchAttributes } from './search-attributes.js';
import { startConfigWatch, type ConfigWatch, type OurRun } from './config-watch.js';

/** True when this file runs compiled from dist/ (npm run build), false when run from its TypeScript source. */
const runningCompiled = import.meta.url.endsWith('.js');

/** The workflows' entry point next to this file: workflows/index.ts in a checkout, .js in dist/. */
export const workflowsPath = fileURLToPath(
  new URL(`../workflows/index.${runningCompiled ? 'js' : 'ts'}`, import.meta.url),
);

/** The bundle `npm run build` writes (worker/bundle-workflows.ts): dist/workflow-bundle.js. */
export const prebuiltWorkflowBundlePath = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));

export interface RunbookWorkerOptions {
  access: ClusterAccess;
  temporal: { address: string; namespace: string };
  /** Defaults to the kube context name. */
  cluster?: string;
  /** A bundle made elsewhere (tests bundle once per file); default: the prebuilt one, or bundle now from sources. */
  workflowBundle?: WorkflowBundleOption;
  /** Told when a change's step or run ends (metrics); default: nothing. */
  observer?: ChangeObserver;
  /** Where audit records are kept (default: audit/directory.ts) and the collector they are forwarded to. */
  audit?: { directory?: string; url?: string };
  /** Told what the drift watch diagnosed and delivered (metrics); default: nothing. */
  watchObserver?: WatchObserver;
  /** Watch the cluster's MetalLB config and record changes made outside this tool (the CLI's worker does). */
  configWatch?: boolean;
  /** Deadline of one Kubernetes API request; default: kube/client.ts defaultKubeRequestTimeoutMs. */
  kubeRequestTimeoutMs?: number;
}

export interface RunbookWorker {
  worker: Worker;
  cluster: string;
  taskQueue: string;
  connection: NativeConnection;
  /** Where the workflow code came from, for the start-up line. */
  workflowSource: string;
  /** Where this worker keeps audit records, and where it forwards them (origin only), for the start-up line. */
  audit: { directory: string; forwardedTo: string | null; forwarder: AuditForwarder | null };
  /** The config watch, when started (`configWatch`); closed with the worker. */
  configWatch: ConfigWatch | null;
  /** Closes the worker's connections (the polling one, and the client one auto-fix may have opened). */
  close: () => Promise<void>;
}

/** A client connection opened on first use and closed with the worker. */
function lazyClient(temporal: { address: string; namespace: string }) {
  let connecting: Promise<Connection> | undefined;
  return {
    client: async () => {
      connecting ??= Connection.connect({ address: temporal.address });
      return new Client({ connection: await connecting, namespace: temporal.namespace });
    },
    close: async () => {
      if (connecting) await (await connecting).close();
    },
  };
}

/** The run of ours that held `cluster`'s change slot at `at` (running then, or closed since); null when none did. */
async function changeSlotHolder(client: Client, cluster: string, at: string): Promise<OurRun | null> {
  let described;
  try {
    described = await client.workflow.getHandle(changeWorkflowId(cluster)).describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
  const running = described.status.name === 'RUNNING';
  // managedFields times are whole seconds: a run that closed within the second of the write still made it.
  const closedSince = described.closeTime !== undefined && described.closeTime.getTime() >= Date.parse(at) - 2000;
  return running || closedSince ? { workflowId: described.workflowId, runId: described.runId } : null;
}

/** Bundles the runbook workflows (webpack's chatter kept at WARN), e.g. once per test file. */
export function bundleRunbookWorkflows(logger: Logger = new DefaultLogger('WARN')): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath, logger });
}

/** Compiled: the bundle made at build time. From sources (tests, tsx): bundle now, as nothing prebuilt matches. */
async function defaultWorkflowBundle(): Promise<{ bundle: WorkflowBundleOption; source: string }> {
  if (runningCompiled && existsSync(prebuiltWorkflowBundlePath))
    return {
      bundle: { codePath: prebuiltWorkflowBundlePath },
      source: `prebuilt bundle ${prebuiltWorkflowBundlePath}`,
    };
  const started = Date.now();
  const bundle = await bundleRunbookWorkflows();
  return { bundle, source: `bundled from ${workflowsPath} in ${((Date.now() - started) / 1000).toFixed(1)}s` };
}

/** Where the worker keeps audit records, and the forwarder to the collector when one is given. */
function auditOf(options: RunbookWorkerOptions): RunbookWorker['audit'] {
  const directory = options.audit?.directory ?? defaultAuditDirectory(options.access.kubeconfig);
  const url = options.audit?.url;
  if (!url) return { directory, forwardedTo: null, forwarder: null };
  const forwarder = startForwarder(directory, url, (line) => console.warn(line));
  return { directory, forwardedTo: collectorName(url), forwarder };
}

/** A worker for one cluster's task queue, with that cluster's activities; call `worker.run()` to start polling. */
export async function createWorker(options: RunbookWorkerOptions): Promise<RunbookWorker> {
  const kc = withRequestTimeout(loadKubeConfig(options.access), options.kubeRequestTimeoutMs);
  const cluster = options.cluster ?? clusterName(kc);
  const taskQueue = taskQueueFor(cluster);
  const { bundle: workflowBundle, source: workflowSource } = options.workflowBundle
    ? { bundle: options.workflowBundle, source: 'the bundle given' }
    : await defaultWorkflowBundle();
  const connection = await NativeConnection.connect({ address: options.temporal.address });
  await requireSearchAttributes(connection, options.temporal.namespace);
  const audit = auditOf(options);
  const temporalClient = lazyClient(options.temporal);
  const watchActivities = createWatchActivities({
    kc,
    temporalClient: temporalClient.client,
    observer: options.watchObserver ?? ignoreWatch,
    auditDirectory: audit.directory,
  });
  const worker = await Worker.create({
    connection,
    namespace: options.temporal.namespace,
    taskQueue,
    workflowBundle,
    activities: {
      ...createActivities(kc, { directory: audit.directory, onKept: () => audit.forwarder?.nudge() }),
      ...watchActivities,
    },
    sinks: changeSinksFor(options.observer ?? ignoreChanges),
    identity: `metallb-runbooks@${cluster}/${process.pid}`,
  });
  const configWatch = options.configWatch
    ? startConfigWatch({
        kc,
        cluster,
        directory: audit.directory,
        onKept: () => audit.forwarder?.nudge(),
        ourRun: async (at) => changeSlotHolder(await temporalClient.client(), cluster, at),
      })
    : null;
  const close = async () => {
    await configWatch?.stop();
    await temporalClient.close();
    await connection.close();
  };
  return { worker, cluster, taskQueue, connection, workflowSource, close, audit, configWatch };
}
