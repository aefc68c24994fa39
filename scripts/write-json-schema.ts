// Regenerates schemas/diagnosis-report.v2.json from the zod schema in domain/diagnose/report.ts.
// Run: npx tsx scripts/write-json-schema.ts (a unit test fails when the committed file drifts). Version 1's file
// (schemas/diagnosis-report.v1.json) is kept as it was last generated, for readers of version 1 reports.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { diagnosisReportJsonSchema } from '../domain/diagnose/report.js';

export const schemaPath = fileURLToPath(new URL('../schemas/diagnosis-report.v2.json', import.meta.url));

/** The exact file content: two-space JSON plus a final newline. */
export function renderJsonSchema(): string {
  return `${JSON.stringify(diagnosisReportJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(schemaPath, renderJsonSchema());
  console.log(`wrote ${schemaPath}`);
}
