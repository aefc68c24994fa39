// Shared by the watch tests: a loopback HTTP receiver for the JSON and Slack sinks, Alertmanager's own API, and an
// in-process worker that serves its metrics.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { WorkflowBundle } from '@temporalio/worker';
import { createWorker } from '../../worker/worker.js';
import { createWorkerMetrics, serveMetrics } from '../../worker/metrics.js';
import { labAccess, recordHistory } from './fix-helpers.js';
import { lab } from './helpers.js';

/** Every POST a receiver got, by path. */
export interface Receiver {
  url: string;
  bodies: { path: string; body: unknown }[];
  close(): Promise<void>;
}

/** A loopback HTTP server that answers 200 to every POST and keeps its JSON body. */
export async function startReceiver(): Promise<Receiver> {
  const bodies: Receiver['bodies'] = [];
  const server: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      bodies.push({ path: request.url ?? '', body: JSON.parse(text || 'null') });
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** An alert as Alertmanager's GET /api/v2/alerts lists it. */
export interface ListedAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

/** Alertmanager's active alerts (resolved ones are not listed). */
export async function alertmanagerAlerts(): Promise<ListedAlert[]> {
  const response = await fetch(`${lab().alertmanagerUrl}/api/v2/alerts`);
  if (!response.ok) throw new Error(`Alertmanager answered ${response.status}`);
  return (await response.json()) as ListedAlert[];
}

/** A worker in this process with its metrics served on a free loopback port. */
export async function startWatchWorker(workflowBundle: WorkflowBundle) {
  const metrics = createWorkerMetrics();
  const server = await serveMetrics(metrics.registry, { host: '127.0.0.1', port: 0 });
  const record = lab();
  const worker = await createWorker({
    access: labAccess(),
    temporal: { address: record.temporalAddress, namespace: record.temporalNamespace },
    workflowBundle,
    observer: metrics.changes,
    watchObserver: metrics.watch,
  });
  const running = worker.worker.run();
  return {
    metricsUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`,
    metrics,
    async stop() {
      worker.worker.shutdown();
      await running;
      await worker.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The median of some numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Records (RECORD_HISTORIES=1) the history of a drift run started since `since` that scheduled `activity`, for the
 * replay tests; returns whether one was found.
 */
export async function recordDriftRun(client: Client, since: Date, activity: string, name: string): Promise<boolean> {
  for await (const execution of client.workflow.list({ query: 'WorkflowType = "driftWatch"' })) {
    if (execution.startTime < since || execution.status.name !== 'COMPLETED') continue;
    const handle = client.workflow.getHandle(execution.workflowId, execution.runId);
    const history = await handle.fetchHistory();
    const scheduled = (history.events ?? []).map(
      (event) => event.activityTaskScheduledEventAttributes?.activityType?.name,
    );
    if (!scheduled.includes(activity)) continue;
    await recordHistory(handle, name);
    return true;
  }
  return false;
}
