// Incremental reading of a pod's log window: what an earlier diagnosis already read of the same
// container (only the lines a diagnosis can use: metallb-logs.ts mayBeReportable) is kept, and the
// next read asks the API server only for what came after. The log lines come with the API's
// `timestamps=true` prefix (RFC3339Nano, UTC); a container is told apart by pod UID, container name,
// restart count and container ID, so a restarted or replaced container is read afresh.
import { z } from 'zod';
import { mayBeReportable } from './metallb-logs.js';

/** What is kept of one container's log between runs. */
export const CachedLogSchema = z.object({
  /** The start of the window this copy is complete from, normalised. */
  from: z.string(),
  /** The prefix time of the last line read, normalised (nine fraction digits, Z). */
  through: z.string(),
  /** How many lines carried exactly that time (the next read starts inside that second). */
  linesAtThrough: z.number().int().nonnegative(),
  /**
   * The time of the last line before those at `through`, normalised, when one was read: a resumed read that holds
   * a line older than `through` holds every line after it (readSince).
   */
  before: z.string().optional(),
  /** The usable lines read so far, with their prefixes, oldest first. */
  lines: z.array(z.string()),
});
export type CachedLog = z.infer<typeof CachedLogSchema>;

const PREFIX = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z /;

/** A line's prefix time, normalised so that times compare as strings; null without a UTC prefix. */
export function prefixTime(line: string): string | null {
  const match = PREFIX.exec(line);
  return match ? `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}Z` : null;
}

/** A `Date.toISOString()` time normalised as prefixTime does. */
export function normalisedTime(iso: string): string {
  return prefixTime(`${iso} `) ?? iso;
}

/**
 * The `sinceTime` to ask for (the API takes whole seconds): the second of the line before the last ones read, so
 * the answer shows whether it reaches back past them; the second of the last line when none came before it.
 */
export function resumeFrom(cached: CachedLog): string {
  return `${(cached.before ?? cached.through).slice(0, 19)}Z`;
}

/** The most lines a resumed read asks for first (`tailLines` beside `sinceTime`): readSince. */
const RESUME_TAIL_LINES = 5000;

/**
 * True when `text`, the newest lines of a log oldest first, holds a line older than the last ones `cached` holds:
 * being the end of the log, it then holds every line after them. Judged by time, not by counting lines, which the
 * kubelet counts as the runtime wrote them (a long line split into parts is several) and many share a timestamp.
 */
function reachesBack(text: string, cached: CachedLog): boolean {
  for (const line of text.split('\n')) {
    const time = prefixTime(line);
    if (time !== null) return time < cached.through;
  }
  return false;
}

/**
 * What a container logged since `cached` was read (from resumeFrom), asked first for its last `tailLines` lines:
 * with a line count the kubelet reads the file from its end, without one it scans all of it (tens of MiB) for the
 * first line after the time. An answer that does not reach back past the lines already held is asked again
 * without the cap. `read(cap)` asks the API server with `tailLines` set to the cap (undefined: no cap).
 */
export async function readSince(
  cached: CachedLog,
  read: (tailLines: number | undefined) => Promise<string>,
  tailLines = RESUME_TAIL_LINES,
): Promise<string> {
  const tail = await read(tailLines);
  return reachesBack(tail, cached) ? tail : read(undefined);
}

/** True when a cached read can be resumed: it holds the whole window being read up to its end. */
export function resumable(cached: CachedLog | undefined, windowStart: string): cached is CachedLog {
  return cached !== undefined && cached.from <= windowStart && cached.through >= windowStart;
}

/** The lines of `fresh` (read from resumeFrom) that come after what `cached` already holds. */
function newLines(cached: CachedLog | undefined, fresh: readonly string[]): string[] {
  if (!cached) return [...fresh];
  let skipAtThrough = cached.linesAtThrough;
  return fresh.filter((line) => {
    const time = prefixTime(line);
    if (time === null || time > cached.through) return true;
    if (time < cached.through) return false;
    return skipAtThrough-- <= 0;
  });
}

/** The last line's time, how many lines carry it, and the time of the line before them. */
function boundary(lines: readonly string[], previous: CachedLog | undefined): Omit<CachedLog, 'from' | 'lines'> {
  const times = lines.map(prefixTime).filter((time): time is string => time !== null);
  const through = times.at(-1);
  if (through === undefined)
    return previous
      ? { through: previous.through, linesAtThrough: previous.linesAtThrough, before: previous.before }
      : { through: '', linesAtThrough: 0 };
  const atThrough = times.filter((time) => time === through).length;
  const samePrevious = previous?.through === through;
  const earlier = times.findLast((time) => time < through) ?? (samePrevious ? previous.before : previous?.through);
  return {
    through,
    linesAtThrough: atThrough + (samePrevious ? previous.linesAtThrough : 0),
    ...(earlier === undefined ? {} : { before: earlier }),
  };
}

/**
 * Joins what was kept with what the API server sent since: the window's log as a diagnosis reads it,
 * and what to keep for the next run. Lines older than the window are dropped from both. `changed` is false
 * when the kept copy would serve the next run as well as `next`, so it need not be written again.
 */
export function mergeLogWindow(
  cached: CachedLog | undefined,
  freshText: string,
  windowStart: string,
): { text: string; next: CachedLog; changed: boolean } {
  if (cached && !resumable(cached, windowStart))
    throw new Error('mergeLogWindow: the cached log does not cover the window');
  const fresh = freshText.split('\n').filter((line) => line.trim() !== '');
  const added = newLines(cached, fresh);
  const inWindow = (line: string) => (prefixTime(line) ?? windowStart) >= windowStart;
  const keptBefore = (cached?.lines ?? []).filter(inWindow);
  const kept = [...keptBefore, ...added.filter((line) => mayBeReportable(line) && inWindow(line))];
  return {
    text: [...keptBefore, ...added].join('\n'),
    next: { from: windowStart, ...boundary(added, cached), lines: kept },
    // Nothing read and nothing aged out: the kept copy still resumes exactly as `next` would.
    changed: !cached || added.length > 0 || keptBefore.length !== cached.lines.length,
  };
}
