// Shared by the crash-*-steps.test.ts files: workers as child processes (the compiled CLI) behind the
// fault proxy, and a run that loses its worker to SIGKILL at every step of its step table.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client, Connection, WorkflowHandle } from '@temporalio/client';
import type { AnyStep } from '../../domain/runbooks/steps.js';
import type { RunbookProgress } from '../../domain/runbooks/progress.js';
import { startProxiedLab, type ProxiedLab } from './fault-lab.js';
import { runChecked, type CheckedRun, type Scenario } from './fault-matrix.js';
import { deleteAllMetallbConfig, killHard, progressOf, removeNamespace, root } from './fix-helpers.js';
import { createServedPool, eventually, lab, temporalClient, type ServedPool } from './helpers.js';

const bin = path.join(root, 'bin/metallb-runbooks.js');

/** One `metallb-runbooks worker` at a time for the proxied cluster; each replaced after it is killed. */
export class ChildWorkers {
  private current: ChildProcess | null = null;
  /** Workers started so far. */
  started = 0;

  constructor(private readonly proxied: ProxiedLab) {
    if (!existsSync(path.join(root, 'dist/workflow-bundle.js')))
      throw new Error('the crash tests run the compiled worker: run `npm run build` first');
  }

  /** Starts a worker (the audit dir is the lab's, from the environment); resolves once it polls. */
  async start(): Promise<void> {
    const record = lab();
    const args = [bin, 'worker', '--kubeconfig', this.proxied.kubeconfig, '--context', this.proxied.context];
    const child = spawn(process.execPath, [...args, '--temporal-address', record.temporalAddress], {
      cwd: root,
      env: { ...process.env, TEMPORAL_NAMESPACE: record.temporalNamespace },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    this.current = child;
    this.started += 1;
    await eventually(
      'the worker to poll',
      () => {
        if (output.includes(`polling metallb-runbooks.${this.proxied.context}`)) return true;
        if (child.exitCode !== null) throw new Error(`worker exited ${child.exitCode}: ${output}`);
        return undefined;
      },
      { timeoutMs: 60_000 },
    );
  }

  /** SIGKILLs the running worker and starts the next one. */
  async replace(): Promise<void> {
    if (this.current) await killHard(this.current);
    await this.start();
  }

  async stop(): Promise<void> {
    if (this.current) await killHard(this.current);
    this.current = null;
  }
}

/** What happened at one step of the table. */
export interface CrashPoint {
  step: string;
  result: 'killed while running' | 'ran between two looks' | 'skipped by the run' | 'not in this run';
}

/** A progress step belongs to a table step: the same id, or that id numbered ("write-step-2"). */
const belongsTo = (table: readonly string[], id: string): boolean =>
  table.includes(id) || table.some((step) => id.startsWith(`${step}-`));

/** Marks every step of the table already past (without being seen running); returns the next one, if any. */
function nextStep(progress: RunbookProgress, table: readonly string[], points: CrashPoint[]) {
  const seen = new Set(points.map((point) => point.step));
  for (const step of progress.steps.filter((entry) => belongsTo(table, entry.id) && !seen.has(entry.id))) {
    if (step.status === 'pending' || step.status === 'running') return step;
    points.push({ step: step.id, result: step.status === 'skipped' ? 'skipped by the run' : 'ran between two looks' });
  }
  return undefined;
}

/**
 * Sends the run's next tasks and queries to its task queue, not to the killed worker's sticky queue:
 * otherwise each waits out the sticky timeout (10 s) first, and the steps after a crash run unseen.
 */
async function unstick(handle: WorkflowHandle): Promise<void> {
  const { runId } = await handle.describe();
  await handle.client.workflowService.resetStickyTaskQueue({
    namespace: handle.client.options.namespace,
    execution: { workflowId: handle.workflowId, runId },
  });
}

/** At the run's end: each step not yet accounted for, and each table step the run never planned. */
function pointsNotSeen(
  progress: RunbookProgress,
  table: readonly string[],
  points: readonly CrashPoint[],
): CrashPoint[] {
  const seen = new Set(points.map((point) => point.step));
  const unseen = progress.steps.filter((entry) => belongsTo(table, entry.id) && !seen.has(entry.id));
  const result = (status: string): CrashPoint['result'] =>
    status === 'skipped' ? 'skipped by the run' : status === 'pending' ? 'not in this run' : 'ran between two looks';
  const unplanned = table.filter((step) => !progress.steps.some((entry) => belongsTo([step], entry.id)));
  return [
    ...unseen.map((entry) => ({ step: entry.id, result: result(entry.status) })),
    ...unplanned.map((step) => ({ step, result: 'not in this run' as const })),
  ];
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Follows the run through its progress query and, each time a step of `steps` (the step table)
 * is seen running, SIGKILLs the worker and starts another, until the run has no step left.
 */
export async function crashAtEveryStep(
  handle: WorkflowHandle,
  steps: readonly AnyStep[],
  workers: ChildWorkers,
): Promise<CrashPoint[]> {
  const table = steps.map((step) => step.id);
  const points: CrashPoint[] = [];
  for (;;) {
    const progress = await progressOf(handle);
    const next = progress && nextStep(progress, table, points);
    // A run adds steps as it plans them (apply's per-plan-step ones): only its end ends the loop.
    if (progress && (progress.phase === 'completed' || progress.phase === 'failed'))
      return [...points, ...pointsNotSeen(progress, table, points)];
    if (next?.status === 'running') {
      await workers.replace();
      await unstick(handle);
      points.push({ step: next.id, result: 'killed while running' });
    } else await pause(40);
  }
}

/** One line per crash point, and the count. */
export function describeCrashPoints(workflow: string, points: readonly CrashPoint[], clean: boolean): string {
  const killed = points.filter((point) => point.result === 'killed while running').length;
  return [
    `[crash] ${workflow}: ${killed} crash point(s) exercised of ${points.length} step(s); ` +
      `run ended ${clean ? 'clean' : 'NOT clean'}`,
    ...points.map((point) => `[crash]   ${point.step.padEnd(28)} ${point.result}`),
  ].join('\n');
}

/** One run's crash points, clean only if the run's end state checks passed. */
export interface CrashedRun {
  workflow: string;
  points: CrashPoint[];
  clean: boolean;
  seconds: number;
}

/** The file's totals: crash points exercised, how many ended clean, time per run. */
export function describeCrashTally(title: string, runs: readonly CrashedRun[], workersStarted: number): string {
  const killed = (run: CrashedRun) => run.points.filter((point) => point.result === 'killed while running').length;
  const exercised = runs.reduce((sum, run) => sum + killed(run), 0);
  const clean = runs.reduce((sum, run) => sum + (run.clean ? killed(run) : 0), 0);
  const times = runs.map((run) => `${run.workflow} ${run.seconds.toFixed(1)}s`).join(', ');
  const counts = `${exercised} crash points exercised, ${clean} ended clean, ${workersStarted} workers started`;
  return `[crash] ${title}: ${counts}; ${times}`;
}

/** What a crash test file runs its runs with (filled in by its beforeAll). */
export interface CrashSession {
  client: Client;
  connection: Connection;
  proxied: ProxiedLab;
  workers: ChildWorkers;
  /** Every run of the file, for the totals. */
  tally: CrashedRun[];
}

/**
 * Registers the file's hooks: the served pool, the proxy (every API call slowed, so each step lasts
 * long enough to be seen running), the first worker and a client; afterwards the totals are printed.
 */
export function useCrashSession(title: string, fixture: ServedPool): CrashSession {
  const session = { tally: [] as CrashedRun[] } as CrashSession;
  beforeAll(async () => {
    await createServedPool(fixture);
    session.proxied = await startProxiedLab();
    session.proxied.proxy.arm([{ fault: 'slow', trigger: { every: 1 }, delayMs: 250 }]);
    session.workers = new ChildWorkers(session.proxied);
    await session.workers.start();
    ({ client: session.client, connection: session.connection } = await temporalClient());
  });
  afterAll(async () => {
    console.log(describeCrashTally(title, session.tally, session.workers?.started ?? 0));
    await session.workers?.stop();
    await session.connection?.close();
    await session.proxied?.close();
    await removeNamespace(fixture.namespace);
    await deleteAllMetallbConfig();
  });
  return session;
}

/** One run, killed at every step; its crash points are tallied clean only if the end state checks pass. */
export async function crashedRun(
  session: CrashSession,
  scenario: Scenario,
  steps: readonly AnyStep[],
): Promise<CheckedRun> {
  const entry: CrashedRun = { workflow: scenario.name, points: [], clean: false, seconds: 0 };
  session.tally.push(entry);
  const started = Date.now();
  try {
    const checked = await runChecked(
      scenario,
      () => scenario.start(session.client, session.proxied.context),
      `${scenario.name}-crash-every-step`,
      async (handle) => {
        entry.points = await crashAtEveryStep(handle, steps, session.workers);
      },
    );
    entry.clean = true;
    return checked;
  } finally {
    entry.seconds = (Date.now() - started) / 1000;
    console.log(describeCrashPoints(scenario.name, entry.points, entry.clean));
  }
}

/** One test per workflow: killed at each step of its table, it must end as if never killed. */
export function itCrashesAtEveryStep(session: CrashSession, cases: readonly [Scenario, readonly AnyStep[]][]): void {
  for (const [scenario, steps] of cases)
    it(`${scenario.name}: killed at each of its steps, it ends as if never killed`, async () => {
      const checked = await crashedRun(session, scenario, steps);
      expect(checked.outcome).toBe('succeeded');
      expect(session.tally.at(-1)!.points.some((point) => point.result === 'killed while running')).toBe(true);
      // Each crash point costs the killed activity's heartbeat timeout (10 s): apply has about 20.
    }, 480_000);
}
