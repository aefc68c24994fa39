// `watch` on the lab: a real Temporal Schedule runs the drift workflow every 10 s on an in-process worker; alerts
// are asserted through the real Alertmanager's API and a loopback receiver for the JSON and Slack sinks.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { configureWatch, type WatchConfiguration } from '../../client/commands/watch-run.js';
import { watchScheduleId } from '../../domain/watch/names.js';
import { bundleRunbookWorkflows } from '../../worker/worker.js';
import { cluster, removeNamespace } from './fix-helpers.js';
import { patchPool, scaleController } from './diagnose-helpers.js';
import {
  createServedPool,
  deleteAllMetallbConfig,
  eventually,
  lab,
  temporalClient,
  uniqueName,
  waitForIp,
  withWebhookOff,
} from './helpers.js';
import {
  alertmanagerAlerts,
  median,
  recordDriftRun,
  startReceiver,
  startWatchWorker,
  type ListedAlert,
  type Receiver,
} from './watch-helpers.js';

const intervalSeconds = 10;
/** One interval, plus what a run takes on a loaded 2-core machine (read the cluster, diagnose, post). */
const withinOneInterval = (intervalSeconds + 5) * 1000;

describe('watch: drift alerts on a Temporal Schedule', () => {
  const ns = uniqueName('watch');
  const pool = uniqueName('watch-pool');
  let client: Client;
  let connection: Connection;
  let worker: Awaited<ReturnType<typeof startWatchWorker>>;
  let receiver: Receiver;
  let config: WatchConfiguration;

  const orphanAlert = (alerts: ListedAlert[]) =>
    alerts.find(
      (alert) =>
        alert.labels['finding'] === 'orphaned-ip' &&
        alert.labels['object'] === `Service ${ns}/web` &&
        alert.labels['cluster'] === cluster,
    );

  beforeAll(async () => {
    await createServedPool({
      namespace: ns,
      pool,
      addresses: ['192.0.2.0/28'],
      advertisement: uniqueName('watch-l2'),
      services: ['web'],
    });
    ({ client, connection } = await temporalClient());
    worker = await startWatchWorker(await bundleRunbookWorkflows());
    receiver = await startReceiver();
    // The Slack URL is a credential: the schedule names the file the worker reads it from.
    const slackFile = path.join(mkdtempSync(path.join(tmpdir(), 'watch-slack-')), 'url');
    writeFileSync(slackFile, `${receiver.url}/slack\n`);
    config = {
      cluster,
      intervalSeconds,
      sinks: { alertmanager: [lab().alertmanagerUrl!], webhook: `${receiver.url}/hook`, slack: `file:${slackFile}` },
      autoFix: [],
      requestedBy: 'integration-test',
    };
    expect(await configureWatch(client, config)).toMatch(/created|updated/);
  });

  afterAll(async () => {
    await client?.schedule
      .getHandle(watchScheduleId(cluster))
      .delete()
      .catch(() => undefined);
    await worker?.stop();
    await receiver?.close();
    await connection?.close();
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
  });

  /** Makes an orphan (controller down, pool narrowed) and waits for Alertmanager to list its alert. */
  async function driftUntilAlerted(): Promise<{ latencyMs: number; alert: ListedAlert }> {
    await scaleController(0);
    const started = Date.now();
    await patchPool(pool, { addresses: ['192.0.2.64/28'] });
    const alert = await eventually('Alertmanager to list the orphaned IP alert', async () =>
      orphanAlert(await alertmanagerAlerts()),
    );
    return { latencyMs: Date.now() - started, alert };
  }

  /** Brings the controller back: it moves web into the narrowed pool, and the next run resolves the alert. */
  async function fixUntilResolved(): Promise<number> {
    await scaleController(1);
    await eventually('web to get an IP in the narrowed pool', async () => {
      const [ip] = await waitForIp(ns, 'web');
      return ip?.startsWith('192.0.2.6') || ip?.startsWith('192.0.2.7') ? ip : undefined;
    });
    const fixed = Date.now();
    await eventually(
      'Alertmanager to drop the resolved alert',
      async () => (orphanAlert(await alertmanagerAlerts()) ? undefined : true),
      { timeoutMs: withinOneInterval * 2 },
    );
    return Date.now() - fixed;
  }

  /** Drift and fix, with the webhook off throughout: a controller scaled to zero answers no webhook call. */
  const cycle = () =>
    withWebhookOff(async () => {
      const alerted = await driftUntilAlerted();
      return { ...alerted, resolvedMs: await fixUntilResolved() };
    });

  it('alerts within one interval of a drift and resolves once fixed; JSON and Slack get both', async () => {
    const since = new Date();
    const { latencyMs, alert, resolvedMs } = await cycle();
    expect(latencyMs).toBeLessThan(withinOneInterval);
    expect(alert.labels).toMatchObject({ alertname: 'MetalLBDrift', check: 'orphaned-ips', severity: 'error' });
    expect(alert.annotations['runbook']).toBe(`metallb-runbooks fix cleanup-orphans --service ${ns}/web`);
    expect(alert.status.state).toBe('active');
    console.log(`[watch] alert after ${latencyMs} ms, resolved ${resolvedMs} ms after the fix`);

    const hooks = receiver.bodies.filter((entry) => entry.path === '/hook').map((entry) => entry.body as HookBody);
    const orphanStates = hooks.flatMap((body) =>
      body.alerts.filter((a) => a.labels.finding === 'orphaned-ip').map((a) => a.status),
    );
    expect(orphanStates).toEqual(['firing', 'resolved']);
    expect(hooks[0]).toMatchObject({ version: 1, cluster });
    const slack = receiver.bodies
      .filter((entry) => entry.path === '/slack')
      .map((entry) => (entry.body as { text: string }).text);
    expect(slack.some((text) => text.includes('FIRING') && text.includes(`${ns}/web`))).toBe(true);
    expect(slack.some((text) => text.includes('RESOLVED') && text.includes(`${ns}/web`))).toBe(true);
    expect(await recordDriftRun(client, since, 'postToSlack', 'drift-watch-alerted')).toBe(true);
    // The Slack URL is read by the worker from the file: no drift run's history holds it.
    for await (const run of client.workflow.list({ query: 'WorkflowType = "driftWatch"' })) {
      if (run.startTime < since) continue;
      const history = historyToJSON(await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory());
      const decoded = [...history.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map(([, data]) =>
        Buffer.from(data!, 'base64').toString(),
      );
      const text = [history, ...decoded].join('\n');
      // The webhook URL is stored (it is no credential here), which shows the payloads were read.
      expect(text).toContain(`${receiver.url}/hook`);
      expect(text).not.toContain(`${receiver.url}/slack`);
    }
  });

  it('measures the alert latency from drift to Alertmanager over several runs', async () => {
    const latencies: number[] = [];
    for (let run = 0; run < 3; run++) {
      await patchPool(pool, { addresses: ['192.0.2.0/28'] });
      await eventually('web back in the first range', async () =>
        (await waitForIp(ns, 'web'))[0]?.match(/^192\.0\.2\.([0-9]|1[0-5])$/) ? true : undefined,
      );
      await eventually(
        'no orphan alert left',
        async () => (orphanAlert(await alertmanagerAlerts()) ? undefined : true),
        {
          timeoutMs: withinOneInterval * 2,
        },
      );
      latencies.push((await cycle()).latencyMs);
    }
    console.log(
      `[watch] drift -> Alertmanager latency: median ${median(latencies)} ms over ${latencies.join(', ')} ms`,
    );
    expect(median(latencies)).toBeLessThan(withinOneInterval);
  });
});

interface HookBody {
  version: number;
  cluster: string;
  alerts: { status: string; labels: Record<string, string> }[];
}
