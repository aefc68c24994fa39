// Incremental log windows: a resumed read must give a diagnosis exactly the lines a full read of the
// same window would (those it can use), however the lines fall around the second the last read ended in.
import { describe, expect, it } from 'vitest';
import { mayBeReportable } from '../../domain/metallb-logs.js';
import {
  mergeLogWindow,
  normalisedTime,
  prefixTime,
  readSince,
  resumable,
  resumeFrom,
  type CachedLog,
} from '../../domain/log-window.js';

const at = (time: string, body: string) => `2026-12-02T${time}Z ${body}`;
const error = (n: number) => `{"level":"error","msg":"Reconciler error","error":"e${n}"}`;
const info = (n: number) => `{"level":"info","start reconcile":"ns/s${n}"}`;

/** What the API returns for sinceTime=<second>: every line from the start of that second on. */
const fromSecond = (log: readonly string[], second: string) => log.filter((line) => prefixTime(line)! >= second);
/** The second resumeFrom asks for, normalised as prefixTime gives the lines' times. */
const resumeSecond = (cached: CachedLog) => normalisedTime(`${resumeFrom(cached).slice(0, -1)}.000Z`);
const usable = (text: string) => text.split('\n').filter((line) => line && mayBeReportable(line));

describe('mergeLogWindow', () => {
  const windowStart = normalisedTime('2026-12-02T10:00:00.000Z');

  it('resumes inside the second the last read ended in without losing or repeating a line', () => {
    const first = [at('10:00:01.5', error(1)), at('10:00:02.25', error(2)), at('10:00:02.25', info(1))];
    const later = [at('10:00:02.25', error(3)), at('10:00:02.9', error(4)), at('10:00:03', info(2))];
    const full = [...first, ...later];
    const one = mergeLogWindow(undefined, first.join('\n'), windowStart);
    expect(resumable(one.next, windowStart)).toBe(true);
    const since = resumeSecond(one.next);
    const two = mergeLogWindow(one.next, fromSecond(full, since).join('\n'), windowStart);
    expect(usable(two.text)).toEqual(usable(full.join('\n')));
    // Nothing new: the same again.
    const three = mergeLogWindow(two.next, fromSecond(full, since).join('\n'), windowStart);
    expect(usable(three.text)).toEqual(usable(full.join('\n')));
  });

  it('keeps only the usable lines, and drops those the window has moved past', () => {
    const log = [at('10:00:01', error(1)), at('10:00:01', info(1)), at('10:30:00', error(2))];
    const first = mergeLogWindow(undefined, log.join('\n'), windowStart);
    expect(first.next.lines).toEqual([log[0], log[2]]);
    const movedOn = normalisedTime('2026-12-02T10:10:00.000Z');
    const next = mergeLogWindow(first.next, '', movedOn);
    expect(next.text.split('\n')).toEqual([log[2]]);
    expect(next.next.from).toBe(movedOn);
  });

  it('says a resumed read changed nothing only when no line came and none aged out', () => {
    const log = [at('10:00:01', error(1)), at('10:30:00', error(2))];
    const first = mergeLogWindow(undefined, log.join('\n'), windowStart);
    expect(first.changed).toBe(true);
    const again = fromSecond(log, resumeSecond(first.next)).join('\n');
    expect(mergeLogWindow(first.next, again, windowStart).changed).toBe(false);
    expect(mergeLogWindow(first.next, `${again}\n${at('10:31:00', error(3))}`, windowStart).changed).toBe(true);
    expect(mergeLogWindow(first.next, again, normalisedTime('2026-12-02T10:10:00.000Z')).changed).toBe(true);
  });

  it('is not resumed for a wider window than it holds, nor once the window has passed its last line', () => {
    const kept = mergeLogWindow(undefined, at('10:30:00', error(1)), normalisedTime('2026-12-02T10:20:00.000Z')).next;
    expect(resumable(kept, windowStart)).toBe(false);
    expect(resumable(kept, normalisedTime('2026-12-02T10:40:00.000Z'))).toBe(false);
    expect(resumable(kept, normalisedTime('2026-12-02T10:25:00.000Z'))).toBe(true);
    expect(() => mergeLogWindow(kept, '', windowStart)).toThrow(/does not cover/);
  });
});

describe('readSince', () => {
  const windowStart = normalisedTime('2026-12-02T10:00:00.000Z');
  /** The API's answer to sinceTime=<second>&tailLines=<cap>: the last `cap` lines of those from that second on. */
  const api = (log: readonly string[], second: string, asked: (number | undefined)[]) => (cap: number | undefined) => {
    asked.push(cap);
    const since = fromSecond(log, second);
    return Promise.resolve((cap === undefined ? since : since.slice(-cap)).join('\n'));
  };
  /** Reads the log's first `held` lines, then resumes with a cap; returns the merged lines and the caps asked. */
  async function resume(log: readonly string[], held: number, cap: number) {
    const cached = mergeLogWindow(undefined, log.slice(0, held).join('\n'), windowStart).next;
    const asked: (number | undefined)[] = [];
    const fresh = await readSince(cached, api(log, resumeSecond(cached), asked), cap);
    return { lines: mergeLogWindow(cached, fresh, windowStart).text.split('\n'), asked };
  }

  it('gives every line since the last one held, re-reading without the cap when the tail does not reach it', async () => {
    const log = Array.from({ length: 8 }, (_, n) => at(`10:00:0${n}`, error(n)));
    for (let held = 1; held <= log.length; held++) {
      const { lines, asked } = await resume(log, held, 3);
      expect(lines).toEqual(log);
      // The tail reaches back past the last held line when the one before it and every later one fit in the cap.
      expect(asked).toEqual(held >= 2 && log.length - held + 2 <= 3 ? [3] : [3, undefined]);
    }
  });

  it('does not take a tail that starts among the held lines sharing the last time', async () => {
    const log = [at('10:00:01', error(1)), at('10:00:02', error(2)), at('10:00:02', error(3))];
    const later = [...log, at('10:00:02', error(4)), at('10:00:03', error(5))];
    // Two lines at 10:00:02 are held; a tail of 3 holds only one of them, and skipping two would lose error 4.
    expect(await resume(later, log.length, 3)).toEqual({ lines: later, asked: [3, undefined] });
    // A tail of 4 holds both, and error 4 beside them at the same time: it cannot tell which two it holds.
    expect(await resume(later, log.length, 4)).toEqual({ lines: later, asked: [4, undefined] });
    expect(await resume(later, log.length, 5)).toEqual({ lines: later, asked: [5] });
  });
});
