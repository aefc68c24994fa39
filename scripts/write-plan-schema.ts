// Regenerates schemas/change-plan.v1.json from the zod schema in domain/plan/schema.ts.
// Run: npx tsx scripts/write-plan-schema.ts (a unit test fails when the committed file drifts).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { changePlanJsonSchema } from '../domain/plan/schema.js';

/** Where the committed schema lives. */
export const planSchemaPath = fileURLToPath(new URL('../schemas/change-plan.v1.json', import.meta.url));

/** The exact file content: two-space JSON plus a final newline. */
export function renderPlanJsonSchema(): string {
  return `${JSON.stringify(changePlanJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(planSchemaPath, renderPlanJsonSchema());
  console.log(`wrote ${planSchemaPath}`);
}
