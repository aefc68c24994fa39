// The change plan as a zod schema: `plan -o json` prints a ChangePlan, and schemas/change-plan.v1.json
// is generated from this schema (scripts/write-plan-schema.ts; a unit test keeps them equal).
import { z } from 'zod';
import { configKinds, type ChangePlan } from './types.js';

const Kind = z.enum(configKinds);
const Source = z.object({ file: z.string(), document: z.number().int(), line: z.number().int() });

const ProblemSchema = z.object({
  rule: z.string(),
  rejectedBy: z.enum(['apiserver', 'webhook', 'controller', 'speaker', 'tool']),
  source: Source.nullable(),
  kind: z.string().nullable(),
  name: z.string().nullable(),
  field: z.string().nullable(),
  message: z.string(),
});

const ImpactSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  before: z.array(z.string()),
  after: z.array(z.string()),
  outcome: z.enum(['keeps', 'changes', 'loses', 'gets', 'stays-pending']),
  reason: z.string(),
});

const Write = { kind: Kind, name: z.string(), why: z.string(), followedImmediately: z.boolean().optional() };
const Pin = z.object({ namespace: z.string(), name: z.string(), ips: z.array(z.string()) });

const StepSchema = z.union([
  z.object({ ...Write, action: z.enum(['create', 'update']), manifest: z.record(z.string(), z.unknown()) }),
  z.object({ ...Write, action: z.literal('delete') }),
  z.object({ action: z.enum(['pin-services', 'unpin-services']), pins: z.array(Pin), why: z.string() }),
]);

/** Schema version 1 of the change plan. */
export const ChangePlanSchema = z.object({
  schemaVersion: z.literal(1),
  target: z.object({
    namespace: z.string(),
    metallbVersion: z.string().nullable(),
    bgpType: z.enum(['native', 'frr', 'frr-k8s']),
  }),
  valid: z.boolean(),
  safe: z.boolean(),
  problems: z.array(ProblemSchema),
  refusals: z.array(z.object({ rule: z.string(), message: z.string(), services: z.array(ImpactSchema).optional() })),
  changes: z.array(
    z.object({
      action: z.enum(['create', 'update', 'delete', 'unchanged']),
      kind: Kind,
      name: z.string(),
      fields: z.array(z.string()),
    }),
  ),
  impact: z.array(ImpactSchema),
  unannouncedPools: z.array(z.string()),
  steps: z.array(StepSchema),
  basedOn: z.string(),
  projectedFindings: z
    .array(z.object({ severity: z.enum(['error', 'warning']), check: z.string(), id: z.string(), title: z.string() }))
    .optional(),
});

// The schema and the shared TypeScript contract must describe the same thing.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShape: Same<z.infer<typeof ChangePlanSchema>, ChangePlan> = true;
void sameShape;

/** JSON Schema (draft 2020-12) of the plan, as committed in schemas/change-plan.v1.json. */
export function changePlanJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ChangePlanSchema);
  return { $schema: schema.$schema, title: 'metallb-runbooks change plan, schema version 1', ...schema };
}
