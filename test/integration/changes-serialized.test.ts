// 20 changes (every fix runbook and apply) asked for at once on one cluster through the compiled CLI, half of them
// with --wait (queue behind the running change) and half without (refused while one runs): every request ends
// exactly once, as a run or as a refusal; the runs never overlap, as their histories' activity timestamps show; every
// run has its one audit record.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { changeWorkflowId } from '../../domain/runbooks/names.js';
import { recordOf } from './audit-check.js';
import {
  cliEnv,
  ownCluster,
  runCliAsync,
  startCliWorker,
  type CliResult,
  type CliWorker,
  type OwnCluster,
} from './cli-helpers.js';
import {
  createServedPool,
  deleteAllMetallbConfig,
  lab,
  removeNamespace,
  temporalClient,
  uniqueName,
} from './helpers.js';

const kinds = ['restart-controller', 'restart-speakers', 'reapply-config', 'cleanup-orphans', 'apply'] as const;
const requestCount = 20;

/** One request: which change, and whether it asked to be queued (--wait) or refused while another runs. */
interface ChangeRequest {
  index: number;
  kind: (typeof kinds)[number];
  queued: boolean;
  requestedBy: string;
}

const requests: ChangeRequest[] = Array.from({ length: requestCount }, (_, index) => ({
  index,
  kind: kinds[index % kinds.length]!,
  queued: index % 2 === 0,
  requestedBy: `request-${String(index).padStart(2, '0')}`,
}));

/** Each apply adds an advertisement of its own for the served pool: a real write every time. */
function applyFile(dir: string, request: ChangeRequest): string {
  const file = path.join(dir, `apply-${request.index}.yaml`);
  const advertisement = {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'L2Advertisement',
    metadata: { name: `serial-l2-${request.index}`, namespace: lab().namespace },
    spec: { ipAddressPools: ['serial-pool'] },
  };
  writeFileSync(file, stringify(advertisement));
  return file;
}

function argsOf(request: ChangeRequest, cluster: OwnCluster, dir: string): string[] {
  const change = request.kind === 'apply' ? ['apply', '-f', applyFile(dir, request)] : ['fix', request.kind];
  return [
    ...change,
    '--context',
    cluster.context,
    '--requested-by',
    request.requestedBy,
    ...(request.queued ? ['--wait'] : []),
  ];
}

/** How a request ended: ran (the run it started, and its exit code) or refused (exit code and the one line). */
type Ending = { ran: { runId: string; status: number | null } } | { refused: { status: number | null; line: string } };

const startedLine = /^started \S+ on cluster \S+: workflow (\S+) \(run ([0-9a-f-]+)\)/m;

function endingOf(result: CliResult): Ending {
  const started = startedLine.exec(result.stdout);
  if (started) return { ran: { runId: started[2]!, status: result.status } };
  return { refused: { status: result.status, line: result.stderrLines.join('\n') } };
}

/** When a run's activities ran: from its first activity scheduled to its last one closed. */
interface Span {
  runId: string;
  what: string;
  from: number;
  to: number;
  activities: number;
}

const { EventType } = temporal.api.enums.v1;
const closingEvents = new Set([
  EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
  EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
]);

const millis = (time: { seconds?: unknown; nanos?: number | null } | null | undefined): number =>
  Number(time?.seconds ?? 0) * 1000 + Math.floor((time?.nanos ?? 0) / 1e6);

async function activitySpan(client: Client, workflowId: string, runId: string, what: string): Promise<Span> {
  const { events } = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const scheduled = (events ?? []).filter((event) => event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
  const closed = (events ?? []).filter((event) => closingEvents.has(event.eventType!));
  expect(scheduled.length, `activities of ${what}`).toBeGreaterThan(0);
  expect(closed).toHaveLength(scheduled.length);
  return {
    runId,
    what,
    from: Math.min(...scheduled.map((event) => millis(event.eventTime))),
    to: Math.max(...closed.map((event) => millis(event.eventTime))),
    activities: scheduled.length,
  };
}

describe('20 changes requested at once on one cluster', () => {
  let cluster: OwnCluster;
  let worker: CliWorker;
  let client: Client;
  let connection: Connection;
  const namespace = uniqueName('serial');
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'serial-changes-'));

  beforeAll(async () => {
    await createServedPool({
      namespace,
      pool: 'serial-pool',
      addresses: ['192.0.2.0/28'],
      advertisement: 'serial-l2',
      services: ['web'],
    });
    cluster = ownCluster('serial');
    worker = await startCliWorker(cluster);
    ({ client, connection } = await temporalClient());
  });

  afterAll(async () => {
    worker?.process.kill('SIGTERM');
    await worker?.exited;
    cluster?.remove();
    await connection?.close();
    await removeNamespace(namespace);
    await deleteAllMetallbConfig();
  });

  it('queued ones all run one after another, the others are refused or run, each exactly once', async () => {
    const askedAt = new Date(Date.now() - 1000);
    const started = Date.now();
    const env = cliEnv(cluster);
    const results = await Promise.all(requests.map((request) => runCliAsync(argsOf(request, cluster, scratch), env)));
    console.log(`[serial] ${requestCount} requests ended after ${((Date.now() - started) / 1000).toFixed(1)}s`);
    const endings = results.map(endingOf);

    const workflowId = changeWorkflowId(cluster.context);
    const refusal = new RegExp(
      `^metallb-runbooks: refused: cluster ${cluster.context} already has a change running: ` +
        `(${kinds.join('|')}) requested by request-\\d\\d at \\S+ \\(workflow ${workflowId.replaceAll('.', '\\.')}, ` +
        'run ([0-9a-f-]+)\\); wait for it with --wait$',
    );
    endings.forEach((ending, index) => {
      const request = requests[index]!;
      const said = `${request.requestedBy} (${request.kind}${request.queued ? ' --wait' : ''})`;
      if ('ran' in ending) {
        expect(ending.ran.status, `${said}: ${results[index]!.stderrLines.join(' | ')}`).toBe(0);
        return;
      }
      expect(request.queued, `${said} was refused though it asked to wait: ${ending.refused.line}`).toBe(false);
      expect(ending.refused.status, said).toBe(3);
      expect(ending.refused.line, said).toMatch(refusal);
    });

    // All accounted for: the runs Temporal holds for the cluster are exactly the ones the CLIs report.
    const ranIds = endings.flatMap((ending) => ('ran' in ending ? [ending.ran.runId] : []));
    const listed: string[] = [];
    const query = `WorkflowId = "${workflowId}" AND StartTime >= "${askedAt.toISOString()}"`;
    for await (const run of client.workflow.list({ query })) listed.push(run.runId);
    expect([...listed].sort()).toEqual([...ranIds].sort());
    expect(new Set(ranIds).size).toBe(ranIds.length);
    const refusedCount = endings.length - ranIds.length;
    console.log(
      `[serial] ${ranIds.length} ran (${requests.filter((request) => request.queued).length} queued with --wait), ` +
        `${refusedCount} refused with exit 3`,
    );
    expect(refusedCount).toBeGreaterThan(0);
    // Every refusal names a run that really held the cluster.
    for (const ending of endings)
      if ('refused' in ending) expect(ranIds).toContain(refusal.exec(ending.refused.line)![2]);

    // Strictly one after another: no run's activities overlap another's.
    const spans = await Promise.all(
      endings.flatMap((ending, index) =>
        'ran' in ending ? [activitySpan(client, workflowId, ending.ran.runId, requests[index]!.requestedBy)] : [],
      ),
    );
    spans.sort((left, right) => left.from - right.from);
    for (const span of spans)
      console.log(
        `[serial] ${new Date(span.from).toISOString()} .. ${new Date(span.to).toISOString()} ` +
          `${span.what} ${requests.find((request) => request.requestedBy === span.what)!.kind} ` +
          `(${span.activities} activities)`,
      );
    spans.slice(1).forEach((span, index) => {
      const previous = spans[index]!;
      expect(span.from, `${span.what} started its activities before ${previous.what} ended`).toBeGreaterThanOrEqual(
        previous.to,
      );
    });

    // One audit record each, with the requester the CLI named.
    for (const [index, ending] of endings.entries()) {
      if (!('ran' in ending)) continue;
      const record = await recordOf(workflowId, ending.ran.runId);
      expect(record.outcome).toBe('succeeded');
      expect(record.requester.label).toBe(requests[index]!.requestedBy);
    }
  }, 600_000);
});
