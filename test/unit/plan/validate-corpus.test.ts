import { describe, expect, it } from 'vitest';
import { corpusCases, runCase } from './corpus.js';

const invalid = corpusCases('invalid');
const valid = corpusCases('valid');

describe('plan validation corpus', () => {
  it('has at least 45 invalid and 8 valid cases, 12 of them from MetalLB tests', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(45);
    expect(valid.length).toBeGreaterThanOrEqual(8);
    expect(
      [...invalid, ...valid].filter((c) => c.headers.from?.includes('config_test.go')).length,
    ).toBeGreaterThanOrEqual(12);
  });

  it.each(invalid.map((c) => [c.file, c] as const))(
    '%s: the expected problem on the last document',
    (_file, testCase) => {
      const { rule, field, 'rejected-by': rejectedBy } = testCase.headers;
      const { problems, contextProblems, lastDocument } = runCase(testCase);
      expect(contextProblems, 'context documents are valid on their own').toEqual([]);
      const expected = problems.filter((problem) => problem.rule === rule && problem.field === field);
      expect(expected, JSON.stringify(problems, null, 1)).not.toEqual([]);
      for (const problem of expected) {
        expect(problem.source?.file).toBe(testCase.file);
        expect(problem.source?.document).toBe(lastDocument);
        expect(problem.rejectedBy).toBe(rejectedBy);
        expect(problem.message).not.toContain('\n');
      }
    },
  );

  it('never echoes Secret data or a BGP password in any problem', () => {
    const all = invalid.flatMap((testCase) => runCase(testCase).problems);
    const text = JSON.stringify(all);
    for (const secret of ['s3cr3t-hunter2', 'not-shown']) expect(text).not.toContain(secret);
  });

  it.each(valid.map((c) => [c.file, c] as const))('%s: no problem', (_file, testCase) => {
    const { problems, contextProblems } = runCase(testCase);
    expect([...contextProblems, ...problems]).toEqual([]);
  });
});
