import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runbookStepLists } from '../../../domain/runbooks/steps.js';
import { docsEndMarker, docsStartMarker, withStepsSection } from '../../../domain/runbooks/step-docs.js';
import { expectedReadme, readmePath } from '../../../scripts/write-runbook-docs.js';

describe('the README describes the runbooks from the step table', () => {
  it('README.md is in step with domain/runbooks/steps.ts (else: npx tsx scripts/write-runbook-docs.ts)', async () => {
    const readme = readFileSync(readmePath, 'utf8');
    expect(readme).toBe(await expectedReadme(readme));
  });

  it('every step of every runbook appears in the README, with its title', () => {
    const readme = readFileSync(readmePath, 'utf8');
    const section = readme.slice(readme.indexOf(docsStartMarker), readme.indexOf(docsEndMarker));
    for (const { runbook, steps } of runbookStepLists) {
      expect(section, runbook).toContain(`#### ${runbook}`);
      for (const step of steps) expect(section, step.id).toContain(`\`${step.id}\` ${step.title}`);
    }
  });

  it('step ids are unique within each runbook', () => {
    for (const { runbook, steps } of runbookStepLists)
      expect(new Set(steps.map((s) => s.id)).size, runbook).toBe(steps.length);
  });

  it('a README without the markers is an error naming them', () => {
    expect(() => withStepsSection('# no markers', 'x')).toThrow(docsStartMarker);
  });
});
