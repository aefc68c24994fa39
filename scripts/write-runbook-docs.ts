// Writes the runbook step tables into README.md between its markers, from the one step table in
// domain/runbooks/steps.ts. Run after changing a step: `npx tsx scripts/write-runbook-docs.ts`.
// test/unit/runbooks/step-docs.test.ts fails while README.md is out of step.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { runbookStepsMarkdown, withStepsSection } from '../domain/runbooks/step-docs.js';

/** The checkout's README.md. */
export const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));

/** README.md as it should be: the generated section in place, formatted as `prettier --write` would. */
export async function expectedReadme(current: string): Promise<string> {
  const options = await resolveConfig(readmePath);
  return format(withStepsSection(current, runbookStepsMarkdown()), { ...options, filepath: readmePath });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const next = await expectedReadme(readFileSync(readmePath, 'utf8'));
  writeFileSync(readmePath, next);
  console.log(`wrote the runbook step tables into ${readmePath}`);
}
