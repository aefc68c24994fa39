// The README's runbook step tables, rendered from the step table (domain/runbooks/steps.ts), so
// the README cannot drift from what the workflows run. scripts/write-runbook-docs.ts writes them.
import { runbookStepLists, type AnyStep } from './steps.js';

/** Where the generated section starts in README.md. */
export const docsStartMarker = '<!-- runbook-steps:start (generated: npx tsx scripts/write-runbook-docs.ts) -->';
/** Where the generated section ends in README.md. */
export const docsEndMarker = '<!-- runbook-steps:end -->';

const cell = (text: string): string => text.replaceAll('|', '\\|');

function stepTable(steps: readonly AnyStep[]): string[] {
  return [
    '| step | what it does | waits for (always with a deadline) |',
    '| --- | --- | --- |',
    ...steps.map(
      (step) => `| \`${step.id}\` ${cell(step.title)} | ${cell(step.does)} | ${cell(step.waitsFor ?? '—')} |`,
    ),
  ];
}

/** Every runbook's steps, one Markdown table per runbook (not yet formatted by Prettier). */
export function runbookStepsMarkdown(): string {
  return runbookStepLists
    .flatMap(({ runbook, steps }) => [`#### ${runbook}`, '', ...stepTable(steps), ''])
    .join('\n')
    .trimEnd();
}

/** `readme` with the text between the markers replaced by `section`; an error if a marker is missing. */
export function withStepsSection(readme: string, section: string): string {
  const start = readme.indexOf(docsStartMarker);
  const end = readme.indexOf(docsEndMarker);
  if (start < 0 || end < start) throw new Error(`README.md lacks the markers ${docsStartMarker} ... ${docsEndMarker}`);
  return `${readme.slice(0, start + docsStartMarker.length)}\n\n${section}\n\n${readme.slice(end)}`;
}
