// Incremental log windows: a resumed read must give a diagnosis exactly the lines a full read of the
// same window would (those it can use), however the lines fall around the second the last read ended in.
import { describe, expect, it } from 'vitest';
import { mayBeReportable } from '../../domain/metallb-logs.js';
import { mergeLogWindow, normalisedTime, prefixTime, resumable, resumeFrom } from '../../domain/log-window.js';

const at = (time: string, body: string) => `2026-12-02T${time}Z ${body}`;
const error = (n: number) => `{"level":"error","msg":"Reconciler error","error":"e${n}"}`;
const info = (n: number) => `{"level":"info","start reconcile":"ns/s${n}"}`;

/** What the API returns for sinceTime=<second>: every line from the start of that second on. */
const fromSecond = (log: readonly string[], second: string) => log.filter((line) => prefixTime(line)! >= second);
const usable = (text: string) => text.split('\n').filter((line) => line && mayBeReportable(line));

describe('mergeLogWindow', () => {
  const windowStart = normalisedTime('2026-12-02T10:00:00.000Z');

  it('resumes inside the second the last read ended in without losing or repeating a line', () => {
    const first = [at('10:00:01.5', error(1)), at('10:00:02.25', error(2)), at('10:00:02.25', info(1))];
    const later = [at('10:00:02.25', error(3)), at('10:00:02.9', error(4)), at('10:00:03', info(2))];
    const full = [...first, ...later];
    const one = mergeLogWindow(undefined, first.join('\n'), windowStart);
    expect(resumable(one.next, windowStart)).toBe(true);
    const since = normalisedTime(`${resumeFrom(one.next).slice(0, -1)}.000Z`);
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
    const again = fromSecond(log, normalisedTime(`${resumeFrom(first.next).slice(0, -1)}.000Z`)).join('\n');
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
