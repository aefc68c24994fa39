// The versioned output of `metallb-runbooks diagnose`, defined once in zod: the CLI prints it,
// activities return it, and schemas/diagnosis-report.v2.json is generated from it. Version 2 adds root
// causes (a key and a causedBy link per finding, rootCauses in the summary) and the announcement evidence;
// schemas/diagnosis-report.v1.json stays committed, unchanged, for readers of version 1.
import { z } from 'zod';

export const CHECKS = [
  'orphaned-ips',
  'unmet-requests',
  'pending-services',
  'component-errors',
  'config-not-loaded',
  'advertisements',
  'announcements',
  'workload-health',
  'version-crds',
  'capacity',
] as const;

export const SEVERITIES = ['error', 'warning', 'info'] as const;
export const RUNBOOKS = [
  'cleanup-orphans',
  'restart-controller',
  'restart-speakers',
  'reapply-config',
  'manual',
] as const;

export const CheckSchema = z.enum(CHECKS);
export const SeveritySchema = z.enum(SEVERITIES);

export const ObjectRefSchema = z.object({
  kind: z.string(),
  namespace: z.string().nullable().optional(),
  name: z.string(),
});

export const FixSchema = z.object({
  runbook: z.enum(RUNBOOKS),
  command: z.string().describe('exact command to run, e.g. "metallb-runbooks fix cleanup-orphans --service demo/web"'),
  explanation: z.string(),
});

export const FindingSchema = z.object({
  key: z
    .string()
    .describe('unique within the report: "<id>/<objects>", e.g. "pool-overlap/IPAddressPool a,IPAddressPool b"'),
  causedBy: z
    .string()
    .nullable()
    .describe('key of the root-cause finding this one follows from; null when it is a root cause itself'),
  id: z.string().describe('stable rule id, e.g. "orphaned-ip"'),
  check: CheckSchema,
  severity: SeveritySchema,
  title: z.string().describe('one line naming the object, the address and the cause'),
  detail: z.string(),
  objects: z.array(ObjectRefSchema),
  fix: FixSchema.nullable().describe('null when there is nothing to run'),
  data: z
    .record(z.string(), z.json())
    .optional()
    .describe('machine-readable facts behind the finding; keys depend on the id'),
});

const DecimalSchema = z.string().regex(/^\d+$/).describe('non-negative integer as a decimal string (may exceed 2^53)');

export const PoolCapacityRowSchema = z.object({
  pool: z.string(),
  namespace: z.string().nullable(),
  family: z.enum(['IPv4', 'IPv6']),
  capacity: DecimalSchema,
  used: DecimalSchema,
  available: DecimalSchema,
  usedPercent: z.number().describe('used share in percent, one decimal'),
  autoAssign: z.boolean(),
});

export const RootCauseSchema = z.object({
  key: z.string().describe('the root-cause finding'),
  headline: z.string().describe('a few words, e.g. "overlapping pools demo-pool and extra-pool"'),
  severity: SeveritySchema.describe('the most severe of the root cause and its consequences'),
  consequences: z.number().int().nonnegative().describe('findings whose causedBy is this key'),
});

export const AnnouncementEvidenceSchema = z.object({
  serviceL2Status: z
    .enum(['reliable', 'unreliable', 'not-available', 'unknown'])
    .describe('ServiceL2Status objects: written from 0.14.4, reliable from 0.14.6'),
  serviceBGPStatus: z.enum(['available', 'not-available', 'unknown']).describe('ServiceBGPStatus objects: from 0.15.0'),
  l2Statuses: z.number().int().nonnegative(),
  bgpStatuses: z.number().int().nonnegative(),
  speakerStates: z
    .array(z.object({ node: z.string(), result: z.string().nullable(), errorSummary: z.string() }))
    .describe('speaker ConfigurationStates (0.15.3+), one per node'),
  note: z.string().describe('which evidence of announcement this MetalLB version gives'),
});

export const DiagnosisReportSchema = z.object({
  schemaVersion: z.literal(2),
  generatedAt: z.string(),
  source: z.enum(['cluster', 'file']),
  cluster: z.object({
    metallbNamespace: z.string().nullable(),
    metallbVersion: z.string().nullable(),
    context: z.string().nullable().optional(),
  }),
  summary: z.object({
    errors: z.number().int().nonnegative(),
    warnings: z.number().int().nonnegative(),
    infos: z.number().int().nonnegative(),
    servicesChecked: z.number().int().nonnegative(),
    poolsChecked: z.number().int().nonnegative(),
    healthy: z.boolean().describe('no error and no warning'),
    problems: z.number().int().nonnegative().describe('root causes at warning or error (consequences not counted)'),
    consequences: z.number().int().nonnegative().describe('findings that follow from a root cause'),
    rootCauses: z.array(RootCauseSchema).describe('root causes at warning or error, most severe first'),
  }),
  findings: z.array(FindingSchema),
  capacity: z.array(PoolCapacityRowSchema),
  announcement: AnnouncementEvidenceSchema,
});

export type Check = z.infer<typeof CheckSchema>;
export type Severity = z.infer<typeof SeveritySchema>;
export type Runbook = (typeof RUNBOOKS)[number];
export type ObjectRef = z.infer<typeof ObjectRefSchema>;
export type Fix = z.infer<typeof FixSchema>;
export type Finding = z.infer<typeof FindingSchema>;
export type PoolCapacityRow = z.infer<typeof PoolCapacityRowSchema>;
export type DiagnosisReport = z.infer<typeof DiagnosisReportSchema>;
export type RootCause = z.infer<typeof RootCauseSchema>;
export type AnnouncementEvidence = z.infer<typeof AnnouncementEvidenceSchema>;

/** JSON Schema (draft 2020-12) of the report, as committed in schemas/diagnosis-report.v2.json. */
export function diagnosisReportJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(DiagnosisReportSchema);
  return { $schema: schema.$schema, title: 'metallb-runbooks diagnosis report, schema version 2', ...schema };
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Severity order for sorting: error first. */
export function severityRank(severity: Severity): number {
  return RANK[severity];
}

/** `--fail-on`: 1 when any finding is at least as severe as the threshold. */
export function exitCodeFor(report: DiagnosisReport, failOn: Severity): 0 | 1 {
  return report.findings.some((f) => RANK[f.severity] <= RANK[failOn]) ? 1 : 0;
}
