// Writes the plan corpus, with our verdict on each case, for corpus_agreement_test.go (see run.sh).
import { writeFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { corpusCases, labTarget, runCase } from '../../test/unit/plan/corpus.js';

const cases = (['invalid', 'valid'] as const).flatMap((kind) =>
  corpusCases(kind).map((testCase) => {
    const { problems, lastDocument } = runCase(testCase, labTarget);
    const last = problems.filter((problem) => problem.source?.document === lastDocument);
    return {
      file: testCase.file,
      docs: parseAllDocuments(testCase.text).map((document) => document.toJS() as unknown),
      ours: last.some((p) => p.rejectedBy === 'webhook' || p.rejectedBy === 'apiserver') ? 'deny' : 'admit',
      oursApiserver: last.some((p) => p.rejectedBy === 'apiserver'),
      speaker: last.some((p) => p.rejectedBy === 'speaker'),
      messages: last.filter((p) => p.rejectedBy === 'webhook' || p.rejectedBy === 'speaker').map((p) => p.message),
    };
  }),
);
writeFileSync(process.argv[2] ?? 'cases.json', JSON.stringify(cases));
console.log(`${cases.length} cases`);
