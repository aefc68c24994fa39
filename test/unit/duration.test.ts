import { describe, expect, it } from 'vitest';
import { parseDurationSeconds } from '../../domain/duration.js';

describe('parseDurationSeconds', () => {
  it.each([
    ['90s', 90],
    ['30m', 1800],
    ['1h', 3600],
    ['2h30m', 9000],
    ['1d', 86400],
  ])('%s = %i s', (text, seconds) => expect(parseDurationSeconds(text)).toBe(seconds));

  it.each(['', '1', 'h', '1.5h', '-1h', '1w', '0s', '1h foo'])('rejects %j', (text) => {
    expect(parseDurationSeconds(text)).toBeNull();
  });
});
