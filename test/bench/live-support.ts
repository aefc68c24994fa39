// What the live benchmarks share: the lab they run on, commands timed under GNU time, a worker
// started as a user starts it, and medians. Nothing here asserts; the benchmarks print figures.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { labUp } from '../../lab/lab.js';
import { labContext } from '../../lab/pki.js';
import type { LabRecord } from '../../lab/record.js';

/** The checkout's root: commands run from here. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/** The compiled CLI, as `npx metallb-runbooks` runs it. */
export const cliPath = path.join(repoRoot, 'bin/metallb-runbooks.js');

/** Waits ms milliseconds (only between polls of a condition with a deadline). */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls check every second until it holds; throws naming what it waited for once deadlineMs passed. */
export async function until(what: string, deadlineMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs / 1000} s waiting for ${what}`);
    await sleep(1_000);
  }
}

/** One measured run: wall and CPU seconds, peak RSS of the largest process it ran. */
export interface Sample {
  seconds: number;
  /** user + system CPU of the command and its children: less disturbed by a busy machine than wall time. */
  cpuSeconds: number;
  maxRssKiB: number;
}

/** The median of some figures. */
export const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Medians of a subject's samples. */
export const figuresOf = (samples: readonly Sample[]) => ({
  seconds: median(samples.map((sample) => sample.seconds)),
  cpuSeconds: median(samples.map((sample) => sample.cpuSeconds)),
  mib: median(samples.map((sample) => sample.maxRssKiB)) / 1024,
});

const scratch = mkdtempSync(path.join(os.tmpdir(), 'bench-'));

/** How a timed command runs. */
export interface TimedOptions {
  env: NodeJS.ProcessEnv;
  okExitCodes: readonly number[];
  timeoutMs: number;
}

/** One run of argv under GNU time: its sample and its stdout; throws on an exit code not in okExitCodes. */
export function timed(argv: readonly string[], options: TimedOptions): { sample: Sample; stdout: string } {
  const timeFile = path.join(scratch, 'time');
  const result = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeFile, ...argv], {
    cwd: repoRoot,
    env: options.env,
    timeout: options.timeoutMs,
    maxBuffer: 256 * 1024 * 1024,
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  if (!options.okExitCodes.includes(result.status ?? -1)) {
    const last = `${result.stderr.trim().split('\n').at(-1)}`;
    throw new Error(`${argv.join(' ').slice(0, 200)} exited ${result.status}: ${last}`);
  }
  const [wall, user, system, kib] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
  return { sample: { seconds: wall!, cpuSeconds: user! + system!, maxRssKiB: kib! }, stdout: result.stdout };
}

/** The lab a benchmark runs on: METALLB_LAB, else "bench" (started if needed and kept for the next run). */
export async function benchLab(): Promise<LabRecord> {
  const name = process.env['METALLB_LAB'] ?? 'bench';
  return labUp({ name }, (line) => console.error(`[lab:${name}] ${line}`));
}

/** The CLI's environment on the lab: its kubeconfig and Temporal, nothing of a loader this script runs under. */
export function cliEnvironment(record: LabRecord): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KUBECONFIG: record.kubeconfig,
    TEMPORAL_ADDRESS: record.temporalAddress,
    TEMPORAL_NAMESPACE: record.temporalNamespace,
    NO_COLOR: '1',
  };
  delete env['NODE_OPTIONS'];
  return env;
}

/** The lab's admin context: the cluster name our runs use. */
export const labClusterName = (): string => labContext('admin');

/** Starts `metallb-runbooks worker` for the lab's cluster; resolves once it polls. */
export async function startWorker(record: LabRecord): Promise<ChildProcess> {
  const worker = spawn(process.execPath, [cliPath, 'worker', '--context', labClusterName()], {
    cwd: repoRoot,
    env: cliEnvironment(record),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  worker.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  worker.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await until('the worker to poll', 120_000, async () => {
    if (worker.exitCode !== null) throw new Error(`worker exited ${worker.exitCode}: ${output}`);
    return output.includes('polling metallb-runbooks.');
  });
  return worker;
}

/** Prints one subject's medians and, against the baseline, the ratios. */
export function printSubject(name: string, samples: readonly Sample[], baseline?: readonly Sample[]): void {
  const figures = figuresOf(samples);
  const runs = samples.map((sample) => sample.seconds.toFixed(2)).join(', ');
  console.log(
    `  ${name}: ${figures.seconds.toFixed(2)} s | CPU ${figures.cpuSeconds.toFixed(2)} s | ` +
      `${figures.mib.toFixed(0)} MiB (wall per run: ${runs})`,
  );
  if (!baseline) return;
  const base = figuresOf(baseline);
  console.log(
    `    ratio to the runbook: time ${(figures.seconds / base.seconds).toFixed(2)}x, ` +
      `CPU ${(figures.cpuSeconds / base.cpuSeconds).toFixed(2)}x, memory ${(figures.mib / base.mib).toFixed(2)}x`,
  );
}

/** A command measured against another: its argv for each run (a run may change what it applies). */
export interface Subject {
  name: string;
  argv: (run: number) => string[];
  samples: Sample[];
}

/** Runs each subject `runs` times, alternating, so a machine that gets busier affects all alike. */
export function runAlternating(subjects: readonly Subject[], runs: number, options: TimedOptions): void {
  for (let run = 0; run < runs; run++) {
    for (const subject of subjects) subject.samples.push(timed(subject.argv(run), options).sample);
  }
}
