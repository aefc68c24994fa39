// Shared by the fault-matrix-*.test.ts files: each mutating workflow run through the fault proxy
// under each fault kind. A run ends succeeded with its intended result, or failed with the cluster
// as it was backed up; no healthy Service changes IP either way. The matrix is printed at the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { faultKinds, type FaultKind, type FaultRule } from './fault-rules.js';
import { startProxiedLab, type ProxiedLab } from './fault-lab.js';
import {
  allServiceIps,
  configSpecs,
  deleteAllMetallbConfig,
  finish,
  removeNamespace,
  leftoverPins,
  startWorker,
  type Finished,
  type RunningWorker,
} from './fix-helpers.js';
import { createServedPool, labClients, temporalClient, type ServedPool } from './helpers.js';
import { bundleRunbookWorkflows } from '../../worker/worker.js';
import { describeIpLess, ipChanges, watchServiceIps } from './ip-watch.js';

/** The deadline of one API request in the worker under test; a stall outlasts it. */
export const requestTimeoutMs = 3_000;

/**
 * The rules each fault kind is injected with: into the first write, and for the faults that lose a
 * write's answer (the write applied) also into the first create, delete and update.
 */
export function faultRules(fault: FaultKind): FaultRule[] {
  const firstWrite = { match: { writes: true }, trigger: { nth: 1 } } as const;
  // A lost answer hurts most where a retry is not a repeat: a create, a delete, an update.
  const answerLost = (rule: Omit<FaultRule, 'match' | 'trigger'>): FaultRule[] => [
    { ...rule, ...firstWrite },
    ...(['create', 'delete', 'update'] as const).map((verb) => ({
      ...rule,
      match: { verbs: [verb] },
      trigger: { nth: 1 },
    })),
  ];
  switch (fault) {
    case 'status-500':
    case 'conflict-409':
      return [{ fault, ...firstWrite }];
    case 'reset-mid-body':
      return answerLost({ fault });
    case 'status-503':
      return [{ fault, trigger: { rate: 0.2, seed: 11 }, limit: 4 }];
    case 'throttle-429':
      return [{ fault, trigger: { nth: 2 }, limit: 2, retryAfterSeconds: 1 }];
    case 'stall':
      return answerLost({ fault, stallMs: requestTimeoutMs + 2_000 });
    case 'stream-cut':
      // A pod log read where the workflow reads one, and a list in any case.
      return [
        { fault, match: { subresource: 'log' }, trigger: { nth: 1 } },
        { fault, match: { verbs: ['list'] }, trigger: { nth: 2 } },
      ];
    case 'slow':
      return [{ fault, trigger: { every: 1 }, delayMs: 150 }];
  }
}

/** What a run must not have broken: every config object's spec and every Service's IPs. */
export interface ClusterState {
  specs: Record<string, unknown>;
  ips: Record<string, string[]>;
}

export async function clusterState(): Promise<ClusterState> {
  const specs = Object.fromEntries(Object.entries(await configSpecs()).map(([key, { spec }]) => [key, spec]));
  return { specs, ips: await allServiceIps() };
}

/** One mutating workflow as the matrix runs it. */
export interface Scenario {
  name: string;
  /** Brings the cluster to where the run starts (before each case). */
  prepare(): Promise<void>;
  start(client: Client, cluster: string): Promise<WorkflowHandle>;
  /** Services the run may move (an apply with --allow-ip-changes, an orphan cleaned). */
  allowedToMove(): string[];
  /** The intended result, on the cluster, of a run that succeeded. */
  expectSucceeded(run: Finished, before: ClusterState): Promise<void>;
  /** Namespace whose Services must carry no pin of ours after the run. */
  namespace(): string;
}

/** One cell of the matrix. */
export interface MatrixRow {
  workflow: string;
  fault: FaultKind;
  injected: number;
  outcome: 'succeeded' | 'failed, cluster as backed up';
  seconds: number;
  failure?: string;
}

/** The proxy, a worker behind it and a client: one per matrix file. */
export interface FaultSession {
  lab: ProxiedLab;
  worker: RunningWorker;
  client: Client;
  close(): Promise<void>;
}

export async function openFaultSession(): Promise<FaultSession> {
  const proxied = await startProxiedLab();
  const worker = await startWorker(await bundleRunbookWorkflows(), {
    access: { kubeconfig: proxied.kubeconfig, context: proxied.context },
    kubeRequestTimeoutMs: requestTimeoutMs,
  });
  const { client, connection } = await temporalClient();
  return {
    lab: proxied,
    worker,
    client,
    async close() {
      await worker.stop();
      await connection.close();
      await proxied.close();
    },
  };
}

/** The cluster equals its backup: same objects, same specs, same Service IPs, no pin left. */
export async function expectAsBackedUp(before: ClusterState, namespace: string): Promise<void> {
  const now = await clusterState();
  expect(Object.keys(now.specs).sort()).toEqual(Object.keys(before.specs).sort());
  for (const [key, spec] of Object.entries(now.specs)) expect(spec, key).toEqual(before.specs[key]);
  expect(now.ips).toEqual(before.ips);
  expect(await leftoverPins(namespace)).toEqual([]);
}

/** How a checked run ended. */
export interface CheckedRun {
  run: Finished;
  outcome: MatrixRow['outcome'];
  seconds: number;
  ipLess: string;
}

/**
 * Prepares the scenario, runs it while watching every Service, and checks where it ended: the
 * intended result, or the cluster as backed up; no healthy Service changed IP either way.
 * `during` acts on the run while it goes (faults, kills) and may hand back a handle of a new client.
 */
export async function runChecked(
  scenario: Scenario,
  start: () => Promise<WorkflowHandle>,
  name: string,
  during: (handle: WorkflowHandle) => Promise<WorkflowHandle | void> = async () => undefined,
): Promise<CheckedRun> {
  await scenario.prepare();
  const before = await clusterState();
  const started = Date.now();
  const watch = await watchServiceIps(labClients().kc);
  const handle = await start();
  // A handle of a new client when `during` reconnected (a restarted Temporal server).
  const run = await finish((await during(handle)) ?? handle, name);
  const seen = await watch.stop();
  const seconds = (Date.now() - started) / 1000;
  expect(ipChanges(seen, scenario.allowedToMove())).toEqual({});
  if (run.failure) await expectAsBackedUp(before, scenario.namespace());
  else await scenario.expectSucceeded(run, before);
  const outcome = run.failure ? 'failed, cluster as backed up' : 'succeeded';
  return { run, outcome, seconds, ipLess: describeIpLess(seen).replaceAll('\n', '; ') };
}

/** Runs one scenario under one fault kind through the proxy and checks where it ended. */
export async function runFaultCase(session: FaultSession, scenario: Scenario, fault: FaultKind): Promise<MatrixRow> {
  const proxy = session.lab.proxy;
  const start = async () => {
    proxy.arm(faultRules(fault));
    return scenario.start(session.client, session.lab.context);
  };
  let injected = 0;
  const checked = await runChecked(scenario, start, `${scenario.name}-${fault}`, async (handle) => {
    await handle.result().catch(() => undefined);
    injected = Object.values(proxy.injected()).reduce((sum, count) => sum + count, 0);
    proxy.arm([]);
  });
  const { run, outcome, seconds } = checked;
  const ended = run.failure ? `failed: ${run.failure}` : 'succeeded';
  console.log(
    `[fault] ${scenario.name} / ${fault}: ${injected} injected, ${seconds.toFixed(1)}s, ${ended}; ${checked.ipLess}`,
  );
  return {
    workflow: scenario.name,
    fault,
    injected,
    outcome,
    seconds,
    ...(run.failure ? { failure: run.failure } : {}),
  };
}

/** The matrix as a table: one line per run. */
export function printMatrix(title: string, rows: readonly MatrixRow[]): void {
  const lines = rows.map(
    (row) =>
      `${row.workflow.padEnd(28)} ${row.fault.padEnd(15)} ${String(row.injected).padStart(8)}  ` +
      `${row.seconds.toFixed(1).padStart(6)}s  ${row.outcome}${row.failure ? ` (${row.failure})` : ''}`,
  );
  const succeeded = rows.filter((row) => row.outcome === 'succeeded').length;
  const faults = rows.reduce((sum, row) => sum + row.injected, 0);
  console.log(
    [
      `[fault-matrix] ${title}: ${rows.length} runs, ${faults} faults injected, ${succeeded} succeeded, ` +
        `${rows.length - succeeded} failed cleanly`,
      `${'workflow'.padEnd(28)} ${'fault'.padEnd(15)} ${'injected'.padStart(8)}  ${'time'.padStart(7)}  outcome`,
      ...lines,
    ].join('\n'),
  );
}

/**
 * A matrix file: on the served pool given, each scenario runs once under each fault kind, one test
 * per cell, through one proxy and one worker; the matrix is printed after the last.
 */
export function describeFaultMatrix(title: string, fixture: ServedPool, scenarios: readonly Scenario[]): void {
  describe(`${title} under API faults`, () => {
    const rows: MatrixRow[] = [];
    let session: FaultSession;
    beforeAll(async () => {
      await createServedPool(fixture);
      session = await openFaultSession();
    });
    afterAll(async () => {
      printMatrix(title, rows);
      await session?.close();
      await removeNamespace(fixture.namespace);
      await deleteAllMetallbConfig();
    });
    for (const scenario of scenarios)
      it.each(faultKinds)(`${scenario.name} under %s`, async (fault) => {
        rows.push(await runFaultCase(session, scenario, fault));
      });
  });
}
