// Start-up benchmark (prints figures, asserts nothing): wall time and peak RSS of `metallb-runbooks --version`
// and `--help`, median of several runs, through bin/metallb-runbooks.js as `npx metallb-runbooks` runs it.
// Run: npm run bench:startup   (BENCH_RUNS=N to change the number of runs; default 7)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const runs = Number(process.env.BENCH_RUNS ?? 7);
// BENCH_CHECKOUT=/path/to/other/checkout measures that one instead (e.g. main, for the "before" figures).
const checkout = process.env.BENCH_CHECKOUT ?? fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(checkout, 'bin/metallb-runbooks.js');

interface Sample {
  seconds: number;
  peakRssMiB: number;
}

/** GNU time's %e (elapsed seconds) and %M (peak RSS in KiB of the child or its largest waited-for descendant). */
function measureOnce(node: string, args: string[]): Sample {
  const result = spawnSync('/usr/bin/time', ['-f', 'BENCH %e %M', node, bin, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${node} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  const match = /BENCH ([\d.]+) (\d+)/.exec(result.stderr);
  if (!match) throw new Error(`no timing from /usr/bin/time: ${result.stderr}`);
  return { seconds: Number(match[1]), peakRssMiB: Number(match[2]) / 1024 };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** The project's Node 24 (first on PATH under npm run), and the machine's own node when it is another one. */
function nodesToMeasure(): { label: string; node: string }[] {
  const nodes = [{ label: `node ${process.version} (direct)`, node: process.execPath }];
  const systemNode = '/usr/bin/node';
  if (existsSync(systemNode) && systemNode !== process.execPath) {
    const version = spawnSync(systemNode, ['--version'], { encoding: 'utf8' }).stdout.trim();
    if (version !== process.version) nodes.push({ label: `node ${version} (wrapper -> Node 24)`, node: systemNode });
  }
  return nodes;
}

if (!existsSync('/usr/bin/time')) {
  console.error('startup bench: needs GNU time at /usr/bin/time (apt-get install time)');
  process.exit(2);
}
console.log(`metallb-runbooks start-up (${bin}), median of ${runs} runs (wall time, peak RSS)`);
for (const { label, node } of nodesToMeasure()) {
  for (const args of [['--version'], ['--help']]) {
    measureOnce(node, args); // warm the file cache
    const samples = Array.from({ length: runs }, () => measureOnce(node, args));
    const seconds = median(samples.map((sample) => sample.seconds));
    const rss = median(samples.map((sample) => sample.peakRssMiB));
    console.log(
      `  ${label.padEnd(36)} ${args.join(' ').padEnd(10)} ${(seconds * 1000).toFixed(0)} ms  ${rss.toFixed(0)} MiB`,
    );
  }
}
