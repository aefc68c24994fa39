// `watch` as an operator runs it (the compiled CLI) on a kube context of its own, with a CLI worker: create, list,
// pause, resume, update, delete; and auto-fix on the lab's cluster: a finding's runbook runs once through the
// cluster's one change id, and after a failed attempt auto-fix stops and alerts instead of trying again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleNotFoundError, type Client, type Connection } from '@temporalio/client';
import { configureWatch, type WatchConfiguration } from '../../client/commands/watch-run.js';
import { watchScheduleId } from '../../domain/watch/names.js';
import { readControllerState } from '../../lab/record.js';
import { bundleRunbookWorkflows } from '../../worker/worker.js';
import { cliEnv, ownCluster, runCli, startCliWorker, type CliWorker, type OwnCluster } from './cli-helpers.js';
import { cluster, killHard, removeNamespace } from './fix-helpers.js';
import {
  createLoadBalancer,
  createServedPool,
  deleteAllMetallbConfig,
  eventually,
  lab,
  stopProcess,
  temporalClient,
  uniqueName,
  waitForIp,
} from './helpers.js';
import { alertmanagerAlerts, recordDriftRun, startWatchWorker } from './watch-helpers.js';

let client: Client;
let connection: Connection;
beforeAll(async () => {
  ({ client, connection } = await temporalClient());
});
afterAll(async () => {
  await connection.close();
});

const actionsTaken = async (scheduleId: string) =>
  (await client.schedule.getHandle(scheduleId).describe()).info.numActionsTaken;

describe('watch create, list, pause, resume, update, delete (compiled CLI)', () => {
  let own: OwnCluster;
  let worker: CliWorker;
  let scheduleId: string;
  const cli = (args: string[]) => runCli(args, cliEnv(own));

  beforeAll(async () => {
    own = ownCluster('watch-cli');
    scheduleId = watchScheduleId(own.context);
    worker = await startCliWorker(own);
  });
  afterAll(async () => {
    await client.schedule
      .getHandle(scheduleId)
      .delete()
      .catch(() => undefined);
    await killHard(worker.process);
    own.remove();
  });

  it('refuses a Slack URL on the command line (it would be stored in every run history): one line, exit 2', () => {
    const result = cli(['watch', '--context', own.context, '--slack', 'https://hooks.example.test/services/T/B/x']);
    expect(result.status).toBe(2);
    expect(result.stderrLines).toEqual([
      'metallb-runbooks: --slack takes env:NAME or file:/path that the worker reads, not the URL: a Slack webhook ' +
        'URL is a credential and the schedule is stored in every run history',
    ]);
  });

  it('creates the schedule, lists it, runs it, pauses and resumes it, updates it in place and deletes it', async () => {
    const alertmanager = lab().alertmanagerUrl!;
    const created = cli(['watch', '--context', own.context, '--every', '10s', '--alertmanager', alertmanager]);
    expect(created.stdout).toContain(`created watch ${scheduleId}: diagnoses ${own.context} every 10s`);
    expect(created.status).toBe(0);
    const description = await client.schedule.getHandle(scheduleId).describe();
    expect(description.policies.overlap).toBe('SKIP');
    expect(description.policies.catchupWindow).toBe(60_000);

    const listed = cli(['watch', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`${own.context}\\s*│\\s*10s\\s*│\\s*active`));
    await eventually(
      'the schedule to take an action',
      async () => ((await actionsTaken(scheduleId)) > 0 ? true : undefined),
      {
        timeoutMs: 25_000,
      },
    );

    const paused = cli(['watch', 'pause', '--context', own.context]);
    expect(paused.stdout, paused.stderrLines.join(' ')).toContain(`paused watch ${scheduleId}`);
    expect((await client.schedule.getHandle(scheduleId).describe()).state.paused).toBe(true);
    const whilePaused = await actionsTaken(scheduleId);
    // Absence can only be observed over time: one and a half intervals with no new run.
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    expect(await actionsTaken(scheduleId)).toBe(whilePaused);
    expect(cli(['watch', 'list']).stdout).toMatch(new RegExp(`${own.context}\\s*│\\s*10s\\s*│\\s*paused`));

    expect(cli(['watch', 'resume', '--context', own.context]).stdout).toContain(`resumed watch ${scheduleId}`);
    await eventually(
      'a run after the resume',
      async () => ((await actionsTaken(scheduleId)) > whilePaused ? true : undefined),
      { timeoutMs: 25_000 },
    );

    const updated = cli(['watch', '--context', own.context, '--every', '1m', '--alertmanager', alertmanager]);
    expect(updated.stdout).toContain(`updated watch ${scheduleId}: diagnoses ${own.context} every 60s`);
    const after = await client.schedule.getHandle(scheduleId).describe();
    expect(after.spec.intervals?.[0]?.every).toBe(60_000);
    expect(after.info.numActionsTaken).toBeGreaterThan(whilePaused);

    expect(cli(['watch', 'delete', '--context', own.context]).stdout).toContain(`deleted watch ${scheduleId}`);
    await expect(client.schedule.getHandle(scheduleId).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    const again = cli(['watch', 'delete', '--context', own.context]);
    expect(again.status).toBe(2);
    expect(again.stderrLines[0]).toContain(`cluster ${own.context} has no watch (${scheduleId})`);
  });
});

describe('watch --auto-fix cleanup-orphans on the lab', () => {
  const ns = uniqueName('watch-fix');
  let worker: Awaited<ReturnType<typeof startWatchWorker>>;
  const config = (extra: Partial<WatchConfiguration> = {}): WatchConfiguration => ({
    cluster,
    intervalSeconds: 10,
    sinks: { alertmanager: [lab().alertmanagerUrl!], webhook: null, slack: null },
    autoFix: ['cleanup-orphans'],
    requestedBy: 'integration-test',
    ...extra,
  });

  /** The runbook runs auto-fix started since `since`, with how each ended. */
  async function autoFixRuns(since: Date): Promise<{ status: string; services: string[] }[]> {
    const runs: { status: string; services: string[] }[] = [];
    const query = `WorkflowType = "cleanupOrphans" AND MetallbRequestedBy = "watch (integration-test)"`;
    for await (const execution of client.workflow.list({ query })) {
      if (execution.startTime < since) continue;
      const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
      const services = (JSON.parse(Buffer.from(input!).toString()) as { services: string[] }).services;
      runs.push({ status: execution.status.name, services });
    }
    return runs;
  }

  beforeAll(async () => {
    await createServedPool({
      namespace: ns,
      pool: uniqueName('fix-pool'),
      addresses: ['192.0.2.32/28'],
      advertisement: uniqueName('fix-l2'),
      services: [],
    });
    worker = await startWatchWorker(await bundleRunbookWorkflows());
  });
  afterAll(async () => {
    const pid = readControllerState(lab().stateDir)?.pid;
    if (pid) process.kill(pid, 'SIGCONT');
    await client.schedule
      .getHandle(watchScheduleId(cluster))
      .delete()
      .catch(() => undefined);
    await worker?.stop();
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
  });

  it('runs the runbook once: the unmet request goes, the Service gets a pool IP, the alert resolves', async () => {
    const since = new Date();
    await configureWatch(client, config());
    await createLoadBalancer(ns, 'asks-outside', {
      spec: { type: 'LoadBalancer', loadBalancerIP: '203.0.113.50', ports: [{ port: 80, protocol: 'TCP' }] },
    });
    const [ip] = await waitForIp(ns, 'asks-outside', 40_000);
    expect(ip).toMatch(/^192\.0\.2\.(3[2-9]|4[0-7])$/);
    const runs = await eventually('the auto-fix run to be listed as completed', async () => {
      const found = await autoFixRuns(since);
      return found.length && found.every((run) => run.status === 'COMPLETED') ? found : undefined;
    });
    expect(runs).toEqual([{ status: 'COMPLETED', services: [`${ns}/asks-outside`] }]);
    await eventually(
      'no alert left for the Service',
      async () =>
        (await alertmanagerAlerts()).some((alert) => alert.labels['object'] === `Service ${ns}/asks-outside`)
          ? undefined
          : true,
      { timeoutMs: 30_000 },
    );
    expect(await recordDriftRun(client, since, 'startAutoFix', 'drift-watch-auto-fix-started')).toBe(true);
    // The run that read the outcome may still be finishing when Alertmanager already shows the resolution.
    await eventually(
      'a completed drift run that read the auto-fix outcome',
      async () =>
        (await recordDriftRun(client, since, 'readAutoFixOutcome', 'drift-watch-auto-fix-succeeded')) || undefined,
      { timeoutMs: 60_000 },
    );
  });

  it('after a failed attempt, stops auto-fixing and alerts instead of trying again', async () => {
    const since = new Date();
    // A new configuration; the runbook's wait for a new IP gives up after 3 s.
    await configureWatch(client, config({ autoFixLimits: { serviceIpsSeconds: 3 } }));
    const pid = readControllerState(lab().stateDir)!.pid!;
    await stopProcess(pid);
    try {
      await createLoadBalancer(ns, 'asks-again', {
        spec: { type: 'LoadBalancer', loadBalancerIP: '203.0.113.60', ports: [{ port: 80, protocol: 'TCP' }] },
      });
      const failed = await eventually(
        'Alertmanager to list the failed auto-fix',
        async () => (await alertmanagerAlerts()).find((alert) => alert.labels['alertname'] === 'MetalLBAutoFixFailed'),
        { timeoutMs: 60_000 },
      );
      expect(failed.labels).toMatchObject({
        cluster,
        check: 'auto-fix',
        severity: 'error',
        object: 'runbook cleanup-orphans',
      });
      expect(failed.annotations['summary']).toContain(
        'auto-fix of cleanup-orphans is stopped until `watch` is run again',
      );
      // Two more intervals: the Service is still not served, and nothing tries again.
      const taken = await actionsTaken(watchScheduleId(cluster));
      await eventually(
        'two more scheduled runs',
        async () => ((await actionsTaken(watchScheduleId(cluster))) >= taken + 2 ? true : undefined),
        { timeoutMs: 40_000 },
      );
      const runs = await autoFixRuns(since);
      expect(runs).toEqual([{ status: 'FAILED', services: [`${ns}/asks-again`] }]);
      expect(await recordDriftRun(client, since, 'readAutoFixOutcome', 'drift-watch-auto-fix-failed')).toBe(true);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });
});
