// Analysis against parse (bench:diagnose, bench:analysis): diagnose on a parsed snapshot against the
// time to parse the dump it reads (parseDump of the same cluster as one JSON List).
import { threadCpuUsage } from 'node:process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { diagnose } from '../../domain/diagnose/index.js';
import { parseDump, snapshotFromObjects } from '../../domain/snapshot.js';
import { generateCluster, generateLogs, NOW, type Shape } from './generated-cluster.js';

const SINCE = new Date(Date.parse(NOW) - 3_600_000).toISOString();

/** This thread's CPU time in ms: unlike wall time, hardly changed by other processes on a shared machine. */
export const threadCpuMs = (): number => {
  const { user, system } = threadCpuUsage();
  return (user + system) / 1000;
};

/** The median of some figures. */
export const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
/** Bytes as MiB with one decimal. */
export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
/** Milliseconds with one decimal. */
export const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

// Full collections between the timed phases, so each phase pays for its own garbage and not for
// the previous phase's (the snapshot's garbage is not the analysis's cost). Exposed at run time:
// no node flag needed.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

// The target of issue 7: the analysis (diagnose on a parsed snapshot) within 3x the time to
// parse the dump it reads (parseDump of the same cluster as one JSON List). Medians of `runs` runs,
// after one untimed warm-up of each.

interface PhaseTimes {
  wall: number[];
  cpu: number[];
}

function timePhase(times: PhaseTimes, run: () => unknown): void {
  const [wall, cpu] = [performance.now(), threadCpuMs()];
  run();
  times.wall.push(performance.now() - wall);
  times.cpu.push(threadCpuMs() - cpu);
}

/**
 * Prints the medians of parse and analysis (wall and this thread's CPU) for a cluster of this shape,
 * and the largest heap either phase reached (sampled right after it, before the next collection).
 */
export function analysisAgainstParse(shape: Shape, runs = 9): void {
  const objects = generateCluster(shape);
  const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
  const options = { collectedAt: NOW, source: 'file' as const, logs: generateLogs(2000), logsSince: SINCE };
  const parse: PhaseTimes = { wall: [], cpu: [] };
  const analysis: PhaseTimes = { wall: [], cpu: [] };
  const peakHeap = { parse: 0, analysis: 0 };
  diagnose(snapshotFromObjects(parseObjects(text), options));
  for (let run = 0; run < runs; run++) {
    collectGarbage();
    timePhase(parse, () => parseDump(text));
    peakHeap.parse = Math.max(peakHeap.parse, process.memoryUsage().heapUsed);
    const snapshot = snapshotFromObjects(objects, options);
    collectGarbage();
    timePhase(analysis, () => diagnose(snapshot));
    peakHeap.analysis = Math.max(peakHeap.analysis, process.memoryUsage().heapUsed);
  }
  const figures = (pick: (t: PhaseTimes) => number[]) => {
    const [parseMedian, analysisMedian] = [median(pick(parse)), median(pick(analysis))];
    const ratio = (analysisMedian / parseMedian).toFixed(1);
    return `parseDump ${fmt(parseMedian)}, analysis (diagnose) ${fmt(analysisMedian)} = ${ratio}x`;
  };
  console.log(
    `${shape.services} Services, ${shape.pools} pools (${mib(text.length)} JSON, ${objects.length} objects), ` +
      `median of ${runs} (target: analysis within 3x the parse time):`,
  );
  console.log(`  wall time:       ${figures((t) => t.wall)}`);
  console.log(`  this thread CPU: ${figures((t) => t.cpu)} (what the figure is on a quiet machine)`);
  console.log(
    `  heap in use after the phase (the dump's objects included): parse ${mib(peakHeap.parse)}, ` +
      `analysis ${mib(peakHeap.analysis)}`,
  );
}

function parseObjects(text: string): unknown[] {
  const parsed = parseDump(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.objects;
}
