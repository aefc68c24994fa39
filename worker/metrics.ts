// The worker's Prometheus metrics (prom-client): changes and their steps, drift findings, diagnoses, alert
// deliveries, and Node's process metrics. Served on --metrics-port; deploy/prometheus/rules.yaml alerts on them.
import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CHECKS, SEVERITIES } from '../domain/diagnose/report.js';
import type { WatchObserver } from '../domain/watch/observer.js';
import type { ChangeObserver } from './sinks.js';

/** Every metric the worker serves, on its own registry (tests make several workers in one process). */
export interface WorkerMetrics {
  registry: Registry;
  changes: ChangeObserver;
  watch: WatchObserver;
}

/** Step durations run from a one-second API write to a five-minute rollout wait. */
const stepBuckets = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

function changeMetrics(registry: Registry): ChangeObserver {
  const runs = new Counter({
    name: 'metallb_runbooks_change_runs_total',
    help: 'Change runs (fix runbooks and apply) that ended, by cluster, runbook and outcome.',
    labelNames: ['cluster', 'runbook', 'outcome'],
    registers: [registry],
  });
  const steps = new Histogram({
    name: 'metallb_runbooks_change_step_duration_seconds',
    help: 'How long each step of a change run took, by cluster, runbook, step and status.',
    labelNames: ['cluster', 'runbook', 'step', 'status'],
    buckets: stepBuckets,
    registers: [registry],
  });
  return {
    stepEnded: ({ cluster, runbook, step, status, seconds }) =>
      steps.observe({ cluster, runbook, step, status }, seconds),
    runEnded: ({ cluster, runbook, outcome }) => runs.inc({ cluster, runbook, outcome }),
  };
}

function watchMetrics(registry: Registry): WatchObserver {
  const findings = new Gauge({
    name: 'metallb_runbooks_drift_findings',
    help: 'Findings at warning or error of the last successful diagnosis, by cluster, check and severity.',
    labelNames: ['cluster', 'check', 'severity'],
    registers: [registry],
  });
  const lastSuccess = new Gauge({
    name: 'metallb_runbooks_drift_last_success_timestamp_seconds',
    help: 'Unix time of the last successful diagnosis of a watched cluster.',
    labelNames: ['cluster'],
    registers: [registry],
  });
  const interval = new Gauge({
    name: 'metallb_runbooks_drift_interval_seconds',
    help: 'How often the cluster is diagnosed (watch --every), for "no diagnosis for 3 intervals".',
    labelNames: ['cluster'],
    registers: [registry],
  });
  const diagnoses = new Counter({
    name: 'metallb_runbooks_drift_diagnoses_total',
    help: 'Diagnosis attempts of a watched cluster, by result (ok, failed).',
    labelNames: ['cluster', 'result'],
    registers: [registry],
  });
  const deliveries = new Counter({
    name: 'metallb_runbooks_alert_deliveries_total',
    help: 'Alert batches delivered, by cluster and sink (alertmanager, webhook, slack).',
    labelNames: ['cluster', 'sink'],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'metallb_runbooks_alert_delivery_failures_total',
    help: 'Alert batch delivery attempts that failed, by cluster and sink.',
    labelNames: ['cluster', 'sink'],
    registers: [registry],
  });
  return {
    diagnosed: (event) => {
      // Every check and severity gets a value, so a cleared finding reads 0 rather than vanishing.
      for (const check of CHECKS)
        for (const severity of SEVERITIES.filter((level) => level !== 'info')) {
          const count = event.findings.filter((f) => f.check === check && f.severity === severity).length;
          findings.set({ cluster: event.cluster, check, severity }, count);
        }
      lastSuccess.set({ cluster: event.cluster }, Date.now() / 1000);
      interval.set({ cluster: event.cluster }, event.intervalSeconds);
      diagnoses.inc({ cluster: event.cluster, result: 'ok' });
    },
    diagnosisFailed: (event) => {
      interval.set({ cluster: event.cluster }, event.intervalSeconds);
      diagnoses.inc({ cluster: event.cluster, result: 'failed' });
    },
    alertsPosted: ({ cluster, sink, ok }) => (ok ? deliveries : failures).inc({ cluster, sink }),
  };
}

/** A registry with every metric of the worker, plus Node's process metrics (process_*, nodejs_*). */
export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return { registry, changes: changeMetrics(registry), watch: watchMetrics(registry) };
}

/** Serves `GET /metrics` on host:port (loopback unless told otherwise); resolves once listening. */
export function serveMetrics(registry: Registry, { host, port }: { host: string; port: number }): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
