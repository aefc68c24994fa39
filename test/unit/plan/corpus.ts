// Reads the plan validation corpus (test/fixtures/plan): each case's headers, and its documents as
// the agreement test sees them: context documents already live on the cluster, the last one applied.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDesiredFiles } from '../../../domain/plan/load.js';
import type { ConfigObject, PlanTarget, ValidationProblem } from '../../../domain/plan/types.js';
import { validateConfig } from '../../../domain/plan/validate.js';

export const corpusDir = join(import.meta.dirname, '../../fixtures/plan');

export interface CorpusCase {
  file: string;
  path: string;
  text: string;
  headers: Record<string, string>;
}

/** The lab's MetalLB: what every corpus case assumes. */
export const labTarget: PlanTarget = { namespace: 'metallb-system', metallbVersion: 'v0.16.1', bgpType: 'native' };

export function corpusCases(kind: 'valid' | 'invalid'): CorpusCase[] {
  const dir = join(corpusDir, kind);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => {
      const path = join(dir, name);
      const text = readFileSync(path, 'utf8');
      const headers = Object.fromEntries(
        [...text.matchAll(/^# ([a-z-]+): (.*)$/gm)].map((match) => [match[1]!, match[2]!.trim()]),
      );
      return { file: `test/fixtures/plan/${kind}/${name}`, path, text, headers };
    });
}

// A null document (the loader skips it) on as many lines as the document had.
function placeholder(part: string, index: number): string {
  const lines = part.split('\n').map(() => '');
  lines[index === 0 ? 0 : 1] = '~';
  return lines.join('\n');
}

// Blanks documents (keeping their lines, so document indices and line numbers stay those of the file).
function keepOnly(text: string, keep: (index: number, count: number) => boolean): string {
  const parts = text.split(/^---$/m);
  return parts.map((part, index) => (keep(index, parts.length) ? part : placeholder(part, index))).join('---');
}

export interface CaseResult {
  /** Problems on the last document (loader and validator). */
  problems: ValidationProblem[];
  /** Problems of the context documents on their own. */
  contextProblems: ValidationProblem[];
  lastDocument: number;
}

const identity = (object: ConfigObject) => `${object.kind}/${object.namespace}/${object.name}`;

/** Validates a case as the agreement test runs it: context live first, then the last document. */
export function runCase(testCase: CorpusCase, target: PlanTarget = labTarget): CaseResult {
  const contextText = keepOnly(testCase.text, (index, count) => index < count - 1);
  const lastText = keepOnly(testCase.text, (index, count) => index === count - 1);
  const context = loadDesiredFiles([{ path: testCase.file, text: contextText }], target.namespace);
  const contextProblems = [...context.problems, ...validateConfig(context.objects, target)];
  const last = loadDesiredFiles([{ path: testCase.file, text: lastText }], target.namespace);
  const live = context.objects.map((object) => ({ ...object, source: null }));
  const changed = new Set(last.objects.map(identity));
  const resulting = [...live.filter((object) => !changed.has(identity(object))), ...last.objects];
  const problems = [...last.problems, ...validateConfig(resulting, target)];
  const lastDocument = testCase.text.split(/^---$/m).length - 1;
  return { problems, contextProblems, lastDocument };
}
