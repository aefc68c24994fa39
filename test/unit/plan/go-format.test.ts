import { describe, expect, it } from 'vitest';
import { formatGoDuration, goQuoteRune, goSelector, parseGoDuration } from '../../../domain/plan/go-format.js';

describe('Go formatting used in MetalLB messages', () => {
  it('parses durations as time.ParseDuration', () => {
    expect(['90s', '1m30s', '1.5h', '500ms', '0', '-2s', '1h2m3.5s'].map(parseGoDuration)).toEqual([
      90, 90, 5400, 0.5, 0, -2, 3723.5,
    ]);
    for (const bad of ['', '90', 's', '1x', '1 s', '.s', 'ninety']) expect(parseGoDuration(bad)).toBeNull();
  });

  it('formats durations as time.Duration.String', () => {
    expect([90, 2.5, 0.5, 0, 3600, 3723.5].map(formatGoDuration)).toEqual([
      '1m30s',
      '2.5s',
      '500ms',
      '0s',
      '1h0m0s',
      '1h2m3.5s',
    ]);
  });

  it('quotes integers as %q does: as rune literals', () => {
    expect([33, 34, 39, 10, 129, 161].map(goQuoteRune)).toEqual(["'!'", `'"'`, "'\\''", "'\\n'", "'\\u0081'", "'¡'"]);
  });

  it('prints a label selector as %q of the struct does', () => {
    const selector = {
      matchLabels: { b: '2', a: '1' },
      matchExpressions: [{ key: 'k', operator: 'In', values: ['x', 'y'] }],
    };
    expect(goSelector(selector)).toBe('{map["a":"1" "b":"2"] [{"k" "In" ["x" "y"]}]}');
  });
});
