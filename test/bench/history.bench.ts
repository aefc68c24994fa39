// `history` benchmark (prints figures, asserts nothing): wall time and peak RSS of `metallb-runbooks history` and
// friends over an audit log of 10,000 records (a restart, a cleanup or an apply each, 20 Services per record),
// median of several runs, through bin/metallb-runbooks.js; `--version` first, as the floor of any command.
// Run: npm run bench:history (BENCH_RECORDS, BENCH_RUNS).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chainAfter, emptyHead, type ChainHead } from '../../domain/audit/chain.js';
import { assembleRecord, namedOnly } from '../../domain/audit/record.js';
import type { ChangeName } from '../../domain/runbooks/names.js';
import { canonicalJson } from '../../domain/runbooks/backup.js';

const records = Number(process.env.BENCH_RECORDS ?? 10_000);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const bin = fileURLToPath(new URL('../../bin/metallb-runbooks.js', import.meta.url));
const runbooks: ChangeName[] = ['restart-controller', 'cleanup-orphans', 'apply'];

function recordAt(index: number) {
  const services = Array.from({ length: 20 }, (_, slot) => {
    const ip = `198.18.${Math.floor(index / 250) % 256}.${(index + slot) % 250}`;
    return { service: `bench/svc-${slot}`, before: [ip], after: [slot === 0 && index % 7 === 0 ? '198.19.0.1' : ip] };
  });
  const at = new Date(Date.UTC(2026, 10, 1) + index * 60_000).toISOString();
  return assembleRecord({
    runbook: runbooks[index % runbooks.length]!,
    cluster: `cluster-${index % 3}`,
    workflowId: `metallb-change.cluster-${index % 3}`,
    runId: `run-${String(index).padStart(8, '0')}`,
    requester: namedOnly(index % 2 ? 'alice' : 'bob'),
    decisions: [],
    flags: { allowIpChanges: false },
    files: [],
    plan: null,
    diff: [
      {
        object: `IPAddressPool/pool-${index % 50}`,
        action: 'update',
        fields: [{ path: 'spec.addresses', before: ['198.18.0.0/24'], after: ['198.18.0.0/23'] }],
        by: 'step 1',
      },
    ],
    steps: [],
    services,
    servicesAfterUnknown: null,
    startedAt: at,
    endedAt: at,
    outcome: index % 10 === 0 ? 'rolled-back' : 'succeeded',
    reason: null,
  });
}

function writeLog(directory: string): number {
  let head: ChainHead = emptyHead;
  const lines: string[] = [];
  for (let index = 0; index < records; index++) {
    const chained = chainAfter(head, recordAt(index));
    head = { seq: chained.seq, hash: chained.hash };
    lines.push(canonicalJson(chained));
  }
  const text = `${lines.join('\n')}\n`;
  writeFileSync(path.join(directory, 'audit.jsonl'), text);
  writeFileSync(path.join(directory, 'head.json'), JSON.stringify(head));
  return Buffer.byteLength(text);
}

function measureOnce(args: string[]): { seconds: number; rssMiB: number } {
  const result = spawnSync('/usr/bin/time', ['-f', 'BENCH %e %M', process.execPath, bin, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (result.status !== 0) throw new Error(`history ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  const match = /BENCH ([\d.]+) (\d+)/.exec(result.stderr);
  if (!match) throw new Error(`no timing from /usr/bin/time: ${result.stderr}`);
  return { seconds: Number(match[1]), rssMiB: Number(match[2]) / 1024 };
}

const median = (values: number[]) => [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)]!;

const directory = mkdtempSync(path.join(os.tmpdir(), 'history-bench-'));
try {
  const bytes = writeLog(directory);
  console.log(`history over ${records} records (${(bytes / 2 ** 20).toFixed(1)} MiB), median of ${runs} runs`);
  const cases = [
    ['--version'],
    ['history'],
    ['history', '-o', 'json'],
    ['history', '--object', 'pool/pool-7', '--outcome', 'rolled-back'],
    ['history', 'show', 'run-00004242'],
    ['history', 'verify'],
  ];
  for (const args of cases) {
    const withDir = args[0] === '--version' ? args : [...args, '--audit-dir', directory];
    measureOnce(withDir);
    const samples = Array.from({ length: runs }, () => measureOnce(withDir));
    const seconds = median(samples.map((sample) => sample.seconds));
    const rss = median(samples.map((sample) => sample.rssMiB));
    console.log(`  ${args.join(' ').padEnd(56)} ${(seconds * 1000).toFixed(0).padStart(5)} ms  ${rss.toFixed(0)} MiB`);
  }
} finally {
  rmSync(directory, { recursive: true, force: true });
}
