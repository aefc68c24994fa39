import { describe, expect, it } from 'vitest';
import { anySelectorMatches, compileSelector, describeSelector, selectorMatches } from '../../../domain/selectors.js';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front' };
  it.each([
    [{}, true],
    [{ matchLabels: { app: 'web' } }, true],
    [{ matchLabels: { app: 'db' } }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, false],
    [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, false],
    [{ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, false],
  ])('%j matches → %s', (selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });

  it('invalid selectors match nothing and report why', () => {
    expect(compileSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toEqual({
      ok: false,
      error: 'key a: values: must be specified when operator is In',
    });
    expect(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, { a: '2' })).toBe(
      false,
    );
  });

  it('an empty list matches nothing; any selector matching is enough', () => {
    expect(anySelectorMatches([], labels)).toBe(false);
    expect(anySelectorMatches([{ matchLabels: { app: 'db' } }, { matchLabels: { app: 'web' } }], labels)).toBe(true);
  });

  it('describes selectors for titles', () => {
    expect(
      describeSelector({
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['a', 'b'] },
          { key: 'x', operator: 'DoesNotExist' },
        ],
      }),
    ).toBe('app=web,tier in (a,b),!x');
  });
});
