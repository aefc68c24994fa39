// The worker's metrics and the shipped alerting rules: the compiled `metallb-runbooks worker --metrics-port` is
// scraped after it ran a drift check and a runbook; every metric name the rules and their promtool tests use must be
// one the scrape shows, and the real promtool checks and unit-tests the rules. Also measures the idle RSS.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Client, Connection } from '@temporalio/client';
import { ensureBuilt } from '../../lab/build.js';
import { taskQueueFor } from '../../domain/runbooks/names.js';
import type { DriftWatchInput } from '../../domain/watch/types.js';
import { cluster, finish, root, start } from './fix-helpers.js';
import { eventually, lab, temporalClient } from './helpers.js';
import { killHard } from './fix-helpers.js';

const run = promisify(execFile);
const rulesFile = path.join(root, 'deploy/prometheus/rules.yaml');
const rulesTestFile = path.join(root, 'deploy/prometheus/rules.test.yaml');

/** A free loopback port for the worker's metrics. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Metric names a scrape shows: each `# TYPE` line, histograms and summaries with their series suffixes. */
function scrapedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') ['_bucket', '_sum', '_count'].forEach((suffix) => names.add(`${name}${suffix}`));
    if (type === 'summary') ['_sum', '_count'].forEach((suffix) => names.add(`${name}${suffix}`));
  }
  return names;
}

/** Metric names in PromQL or a series selector: identifiers followed by `{`, or this project's prefixed ones. */
function namesIn(expression: string): string[] {
  return [...expression.matchAll(/\b(metallb_runbooks_[a-z_]+|[a-z_]+(?=\{))/g)].map((match) => match[1]!);
}

interface RuleFile {
  spec: { groups: { rules: { alert: string; expr: string }[] }[] };
}
interface RuleTests {
  tests: { input_series: { series: string }[] }[];
}

function scrape(url: string): Promise<string> {
  return fetch(url).then((response) => response.text());
}

describe('worker metrics and the alerting rules', () => {
  let worker: ChildProcess;
  let metricsUrl: string;
  let client: Client;
  let connection: Connection;
  let output = '';

  let promtool = '';
  // A hook, not the test: a cold build (or waiting for global setup's background one) outlasts a test's timeout.
  beforeAll(async () => {
    promtool = (await ensureBuilt(['promtool'])).get('promtool')!.binary('promtool');
  });

  beforeAll(async () => {
    const main = path.join(root, 'dist/client/main.js');
    if (!existsSync(main)) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    const record = lab();
    worker = spawn(
      process.execPath,
      [
        main,
        'worker',
        '--kubeconfig',
        record.kubeconfig,
        '--context',
        cluster,
        '--temporal-address',
        record.temporalAddress,
        '--metrics-port',
        String(port),
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    worker.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    worker.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(
      'the CLI worker to poll and serve metrics',
      () => (output.includes('polling') ? true : undefined),
      {
        timeoutMs: 60_000,
      },
    );
    ({ client, connection } = await temporalClient());
  });

  afterAll(async () => {
    if (worker) await killHard(worker);
    await connection?.close();
  });

  it('serves Node process metrics on loopback, idle', async () => {
    // Idle: polling, nothing run yet. Give the start-up garbage a moment to be collected, then read RSS twice.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const text = await scrape(metricsUrl);
    const rss = Number(/^process_resident_memory_bytes (\S+)$/m.exec(text)?.[1]);
    expect(rss).toBeGreaterThan(10 * 1024 * 1024);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    console.log(`[watch] idle worker RSS: ${(rss / 1024 / 1024).toFixed(1)} MiB`);
  });

  it('shows findings, last diagnosis and step durations once a drift check and a runbook ran', async () => {
    const input: DriftWatchInput = {
      cluster,
      intervalSeconds: 60,
      sinks: { alertmanager: [lab().alertmanagerUrl!], webhook: null, slack: null },
      autoFix: [],
      requestedBy: 'integration-test',
      configuredAt: new Date().toISOString(),
    };
    await client.workflow.execute('driftWatch', {
      args: [input],
      taskQueue: taskQueueFor(cluster),
      workflowId: `metallb-drift.${cluster}-metrics-test-${Date.now()}`,
    });
    await finish(await start(client, 'cleanup-orphans', { services: [] }), 'cleanup-orphans-metrics');
    const text = await scrape(metricsUrl);
    expect(text).toMatch(
      new RegExp(
        `^metallb_runbooks_drift_findings\\{cluster="${cluster}",check="orphaned-ips",severity="error"\\} \\d+$`,
        'm',
      ),
    );
    expect(text).toMatch(
      new RegExp(`^metallb_runbooks_drift_last_success_timestamp_seconds\\{cluster="${cluster}"\\} \\d`, 'm'),
    );
    expect(text).toMatch(new RegExp(`^metallb_runbooks_drift_interval_seconds\\{cluster="${cluster}"\\} 60$`, 'm'));
    expect(text).toMatch(/^metallb_runbooks_alert_deliveries_total\{cluster="[^"]+",sink="alertmanager"\} [1-9]/m);
    expect(text).toMatch(
      /^metallb_runbooks_change_step_duration_seconds_count\{[^}]*runbook="cleanup-orphans",step="locate"[^}]*\} 1$/m,
    );
  });

  it('the rules and their promtool tests use only metric names the scrape shows', async () => {
    const names = scrapedNames(await scrape(metricsUrl));
    const rules = parse(readFileSync(rulesFile, 'utf8')) as RuleFile;
    const tests = parse(readFileSync(rulesTestFile, 'utf8')) as RuleTests;
    const used = [
      ...rules.spec.groups.flatMap((group) => group.rules.flatMap((rule) => namesIn(rule.expr))),
      ...tests.tests.flatMap((test) => test.input_series.flatMap((input) => namesIn(input.series))),
    ];
    expect(used.length).toBeGreaterThan(4);
    expect([...new Set(used)].filter((name) => !names.has(name))).toEqual([]);
  });

  it('passes the real promtool: check rules and one unit test per alert', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rules-'));
    const rules = parse(readFileSync(rulesFile, 'utf8')) as RuleFile;
    writeFileSync(path.join(dir, 'rules.promtool.yaml'), stringify(rules.spec));
    copyFileSync(rulesTestFile, path.join(dir, 'rules.test.yaml'));
    const checked = await run(promtool, ['check', 'rules', path.join(dir, 'rules.promtool.yaml')]);
    expect(checked.stdout).toContain('SUCCESS: 3 rules found');
    const tested = await run(promtool, ['test', 'rules', path.join(dir, 'rules.test.yaml')]);
    expect(tested.stdout).toContain('SUCCESS');
    const tests = parse(readFileSync(rulesTestFile, 'utf8')) as {
      tests: { alert_rule_test: { alertname: string }[] }[];
    };
    const alerts = rules.spec.groups.flatMap((group) => group.rules.map((rule) => rule.alert));
    const tested_ = new Set(tests.tests.flatMap((test) => test.alert_rule_test.map((case_) => case_.alertname)));
    expect(alerts.filter((alert) => !tested_.has(alert))).toEqual([]);
  });
});
