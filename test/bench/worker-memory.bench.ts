// Worker memory benchmark (npm run bench:worker-memory; prints figures, asserts nothing): the RSS of one compiled
// `metallb-runbooks worker` at rest, then with 100 real apply runs running at once on its task queue, each planned
// against the lab and waiting at its approval gate, then after they are ended. The runs are started under ids of
// their own (not the cluster's one change id, which admits a single run) on a cluster name only this benchmark uses,
// so nothing else on the lab is held; they write nothing and are terminated at the end.
// METALLB_LAB names a running lab (default: "bench", started if needed and kept; stop it with
// METALLB_LAB=bench npm run lab -- down). BENCH_RUNS=N changes the number of concurrent runs (default 100).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { labUp } from '../../lab/lab.js';
import type { LabRecord } from '../../lab/record.js';
import { changeSearchAttributeKeys } from '../../domain/audit/search-attribute-keys.js';
import type { ApplyChangeInput } from '../../domain/runbooks/apply.js';
import { changeWorkflowTypes, taskQueueFor } from '../../domain/runbooks/names.js';
import { planQuery } from '../../workflows/messages.js';

const runs = Number(process.env.BENCH_RUNS ?? 100);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(repoRoot, 'bin/metallb-runbooks.js');
const benchId = `${process.pid.toString(36)}${Date.now().toString(36)}`.slice(-8);
const cluster = `bench-memory-${benchId}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;

/** VmRSS and VmHWM (peak) of a process, in KiB, from /proc/<pid>/status. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

/** The median RSS of `samples` readings a second apart. */
async function settledRss(pid: number, samples = 5): Promise<number> {
  const readings: number[] = [];
  for (let index = 0; index < samples; index++) {
    readings.push(memoryOf(pid).rss);
    await sleep(1000);
  }
  return readings.sort((left, right) => left - right)[Math.floor(samples / 2)]!;
}

/** The compiled worker for the benchmark's cluster name, on the lab's kubeconfig; resolves once it polls. */
async function startWorker(record: LabRecord, auditDir: string): Promise<ChildProcess> {
  const args = [bin, 'worker', '--kubeconfig', record.kubeconfig, '--context', 'metallb-lab', '--cluster', cluster];
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: record.temporalAddress,
    TEMPORAL_NAMESPACE: record.temporalNamespace,
    METALLB_RUNBOOKS_AUDIT_DIR: auditDir,
  };
  const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 90_000;
  while (!output.includes(`polling ${taskQueueFor(cluster)}`)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the worker did not start: ${output}`);
    await sleep(200);
  }
  return child;
}

/** An apply that adds one pool of its own, behind an approval nobody gives: it plans, then waits. */
function applyInput(record: LabRecord, index: number): ApplyChangeInput {
  const name = `bench-memory-${benchId}-${index}`;
  const manifest = {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metadata: { name, namespace: record.namespace },
    spec: { addresses: [`198.18.${Math.floor(index / 16)}.${(index % 16) * 16}/28`] },
  };
  return {
    cluster,
    requestedBy: 'bench:worker-memory',
    desired: [
      {
        kind: 'IPAddressPool',
        apiVersion: 'metallb.io/v1beta1',
        name,
        namespace: record.namespace,
        labels: {},
        manifest,
        source: { file: 'bench.yaml', document: index, line: 1 },
      },
    ],
    prune: null,
    allowIpChanges: false,
    approval: { timeoutSeconds: 1800 },
  };
}

async function startRuns(client: Client, record: LabRecord): Promise<WorkflowHandle[]> {
  return Promise.all(
    Array.from({ length: runs }, (_, index) =>
      client.workflow.start(changeWorkflowTypes.apply, {
        taskQueue: taskQueueFor(cluster),
        workflowId: `metallb-bench-memory.${cluster}.${index}`,
        args: [applyInput(record, index)],
        workflowExecutionTimeout: 3600_000,
        typedSearchAttributes: [
          { key: changeSearchAttributeKeys.cluster, value: cluster },
          { key: changeSearchAttributeKeys.runbook, value: 'apply' },
          { key: changeSearchAttributeKeys.requestedBy, value: 'bench:worker-memory' },
        ],
      }),
    ),
  );
}

/** Waits until every run stands at its approval gate (planned against the lab, nothing written). */
async function waitAllAtGate(handles: WorkflowHandle[]): Promise<void> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const states = await Promise.all(
      handles.map((handle) =>
        handle.query(planQuery).then(
          (planned) => planned.approval.status,
          () => 'no answer',
        ),
      ),
    );
    const waiting = states.filter((state) => state === 'waiting').length;
    if (waiting === handles.length) return;
    if (Date.now() > deadline) throw new Error(`only ${waiting} of ${handles.length} runs reached the approval gate`);
    await sleep(2000);
  }
}

async function main(): Promise<void> {
  const name = process.env.METALLB_LAB ?? 'bench';
  const record = await labUp({ name }, (line) => console.error(`[lab:${name}] ${line}`));
  const auditDir = mkdtempSync(path.join(os.tmpdir(), 'bench-memory-audit-'));
  const worker = await startWorker(record, auditDir);
  const connection = await Connection.connect({ address: record.temporalAddress });
  const client = new Client({ connection, namespace: record.temporalNamespace });
  let handles: WorkflowHandle[] = [];
  try {
    await sleep(5000);
    const atRest = await settledRss(worker.pid!);
    const started = Date.now();
    handles = await startRuns(client, record);
    await waitAllAtGate(handles);
    const gateSeconds = (Date.now() - started) / 1000;
    const running = await settledRss(worker.pid!);
    const { peak } = memoryOf(worker.pid!);
    await Promise.all(handles.map((handle) => handle.terminate('benchmark done')));
    handles = [];
    await sleep(5000);
    const after = await settledRss(worker.pid!);
    console.log(`worker memory (lab ${name}, compiled worker ${bin}, ${os.cpus().length} cores)`);
    console.log(`  at rest (polling, nothing run)            RSS ${mib(atRest)}`);
    console.log(
      `  with ${runs} apply runs waiting at approval   RSS ${mib(running)} ` +
        `(+${mib(running - atRest)}, ${((running - atRest) / runs).toFixed(0)} KiB per run); ` +
        `all ${runs} planned and at the gate after ${gateSeconds.toFixed(1)}s`,
    );
    console.log(`  peak during the benchmark                 RSS ${mib(peak)}`);
    console.log(`  after the runs were ended (5 s later)     RSS ${mib(after)}`);
  } finally {
    await Promise.all(handles.map((handle) => handle.terminate('benchmark aborted').catch(() => undefined)));
    await connection.close();
    worker.kill('SIGTERM');
    rmSync(auditDir, { recursive: true, force: true });
  }
}

await main();
