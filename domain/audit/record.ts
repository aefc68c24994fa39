// The audit record of one change run (a fix runbook or apply): who asked and decided, what it was
// asked to do, what it wrote field by field, every Service's IPs before and after, each step's time
// and how it ended. Built in the workflow from what the run observed; redacted before it is kept.
// Pure: workflow code imports it.
import { isSecretKey, REDACTED, redactValue } from '../redact.js';
import type { ChangeName } from '../runbooks/names.js';
import type { StepProgress } from '../runbooks/progress.js';
import type { ServiceIpChange } from '../runbooks/types.js';
import type { FieldChange } from './diff.js';
import type { Actor, GateDecision } from './identity.js';
import type { ChangeOutcome } from './outcome.js';

/** The schema every record names; a reader refuses any other. */
export const auditSchema = 'metallb-runbooks.audit/v1';

/** What a run did to one object. */
export interface ObjectDiff {
  /** "Kind/name" (MetalLB config, in MetalLB's namespace), "Service/ns/name", "Deployment/ns/name". */
  object: string;
  action: 'create' | 'update' | 'delete' | 'rewrite' | 'restart' | 'pin' | 'unpin' | 'restore';
  fields: FieldChange[];
  /** Which part of the run made it: "step 2", "rollback", "compensation". */
  by: string;
}

/** A file the change was read from, by digest (its content is in `plan` and `diff`). */
export interface InputFile {
  file: string;
  sha256: string;
}

/** The plan apply ran, as recorded: its steps, per-object changes and the Services it expected to move. */
export interface RecordedPlan {
  basedOn: string;
  steps: { index: number; action: string; target: string; why: string }[];
  changes: { action: string; object: string; fields: string[] }[];
  /** Services the plan said would change, lose or get an IP (the others keep theirs). */
  impact: { service: string; outcome: string; before: string[]; after: string[] }[];
}

/** One step of the run as it ran. */
export type RecordedStep = Pick<StepProgress, 'id' | 'title' | 'status' | 'startedAt' | 'endedAt' | 'detail'>;

/** Who made a change: one of our runs, or someone outside this tool (a record without the field is ours). */
export type ChangeSource = 'ours' | 'outside';

/** What the config watch records in place of a runbook's name: a change it saw made outside this tool. */
export const outsideChange = 'outside-change';

/** One change run, or one change the config watch saw (before the log adds its chain fields). */
export interface AuditRecord {
  schema: typeof auditSchema;
  /** `<workflowId>/<runId>`: one record per run, whatever is retried (`observed/...` for a watched change). */
  id: string;
  cluster: string;
  runbook: ChangeName | typeof outsideChange;
  /** Absent in records of our own runs (written before the config watch existed, and since). */
  source?: ChangeSource;
  /** What the config watch saw, for its records only. */
  observed?: ObservedDetails;
  workflowId: string;
  runId: string;
  requester: Actor;
  decisions: GateDecision[];
  input: { flags: Record<string, unknown>; files: InputFile[] };
  plan: RecordedPlan | null;
  diff: ObjectDiff[];
  steps: RecordedStep[];
  /** Every MetalLB-served Service; `after` null when the cluster could not be read at the end. */
  services: ServiceIpChange[];
  /** Why `services` lacks the after state, else null. */
  servicesAfterUnknown: string | null;
  restarts: string[];
  rollbacks: string[];
  /** The objects changed ("Kind/name"), for search. */
  objects: string[];
  startedAt: string;
  endedAt: string;
  outcome: ChangeOutcome;
  reason: string | null;
}

/** One object's change as the config watch saw it. */
export interface ObservedObject {
  /** "Kind/name", as `diff` and `objects` name it. */
  object: string;
  namespace: string;
  uid: string;
  action: 'create' | 'update' | 'delete';
  /** The object's resourceVersion the change left (a delete's: the delete event's). */
  resourceVersion: string;
  /** The field manager that wrote the change (managedFields), or "unknown" (a delete, a relist of a deleted object). */
  manager: string;
  /** Why the manager is what it is, when that is not plain (a delete, several writers between two reads). */
  managerNote: string | null;
  /** When that manager wrote it (managedFields time, to the second), else when the watch saw it. */
  changedAt: string;
  /** The spec after the change (before it, for a delete). */
  spec: unknown;
}

/** The config watch's part of a record: the objects, and for a relist after 410 Gone the gap it covers. */
export interface ObservedDetails {
  objects: ObservedObject[];
  /** Set when the watch could not follow every change (410 Gone): the record is the difference over the gap. */
  gap: { since: string; relistedAt: string; why: string } | null;
}

/** Where a record's change came from: records without `source` are our runs'. */
export function recordSource(record: Pick<AuditRecord, 'source'>): ChangeSource {
  return record.source ?? 'ours';
}

/** An audit record as stored: its place in the log and the hash chain over every earlier record. */
export interface ChainedRecord extends AuditRecord {
  seq: number;
  /** SHA-256 (hex) of the previous stored record; 64 zeros for the first. */
  prevHash: string;
  /** SHA-256 (hex) of this record's canonical JSON without `hash`. */
  hash: string;
}

/** Services whose IPs differ before and after. */
export function movedServices(services: readonly ServiceIpChange[]): ServiceIpChange[] {
  return services.filter((change) => change.before.join(',') !== change.after.join(','));
}

/** Steps that put things back (rollback, compensation), as "title: status (detail)". */
export function rollbackLines(steps: readonly RecordedStep[]): string[] {
  return steps
    .filter((step) => /^(rollback|restore)-/.test(step.id) && step.status !== 'pending')
    .map((step) => `${step.title}: ${step.status}${step.detail ? ` (${step.detail})` : ''}`);
}

/** The objects a record names, each once, in order of appearance. */
export function changedObjects(diff: readonly ObjectDiff[], plan: RecordedPlan | null): string[] {
  const planned = (plan?.changes ?? []).filter((change) => change.action !== 'unchanged').map((c) => c.object);
  return [...new Set([...diff.map((entry) => entry.object), ...planned])];
}

/** The last name in a field path: `spec.password` -> password, `metadata.annotations["a/b"]` -> a/b. */
const lastName = (path: string) => /(?:\.|\[")([^."[\]]+)"?\]?$/.exec(path)?.[1] ?? path;

/** A diff entry with the values of credential fields replaced (the path names the field, the value is kept out). */
function redactedDiff(entry: ObjectDiff): ObjectDiff {
  const fields = entry.fields.map((field) =>
    isSecretKey(lastName(field.path))
      ? {
          path: field.path,
          ...(field.before === undefined ? {} : { before: REDACTED }),
          ...(field.after === undefined ? {} : { after: REDACTED }),
        }
      : field,
  );
  return { ...entry, fields };
}

/** The record with every credential replaced: nothing secret is ever kept, whatever a step returned. */
export function redactedRecord(record: AuditRecord): AuditRecord {
  return redactValue({ ...record, diff: record.diff.map(redactedDiff) }) as AuditRecord;
}

/** What a finished run knows when it writes its record. */
export interface RecordParts {
  runbook: ChangeName;
  cluster: string;
  workflowId: string;
  runId: string;
  requester: Actor;
  decisions: GateDecision[];
  flags: Record<string, unknown>;
  files: InputFile[];
  plan: RecordedPlan | null;
  diff: ObjectDiff[];
  steps: readonly StepProgress[];
  services: ServiceIpChange[];
  servicesAfterUnknown: string | null;
  startedAt: string;
  endedAt: string;
  outcome: ChangeOutcome;
  reason: string | null;
}

/** The requester of a run started by a client that sent no identity (older CLI, a test): its name only. */
export function namedOnly(requestedBy: string): Actor {
  return {
    kubernetes: null,
    kubernetesUnknownBecause: 'the client that started the run sent no identity',
    osUser: requestedBy,
    temporalIdentity: 'unknown',
    label: requestedBy,
  };
}

/** The record of a run, redacted. */
export function assembleRecord(parts: RecordParts): AuditRecord {
  const steps = parts.steps
    .filter((step) => step.status !== 'pending')
    .map(({ id, title, status, startedAt, endedAt, detail }) => ({ id, title, status, startedAt, endedAt, detail }));
  const restarts = [
    ...parts.diff.filter((entry) => entry.action === 'restart').map((entry) => `${entry.object} (${entry.by})`),
    // apply restarts a component as a child run, recorded here as its step.
    ...steps
      .filter((step) => /^restart-(controller|speakers)/.test(step.id) && step.status === 'done')
      .map((step) => `${step.title}${step.detail ? ` (${step.detail})` : ''}`),
  ];
  return redactedRecord({
    schema: auditSchema,
    id: `${parts.workflowId}/${parts.runId}`,
    cluster: parts.cluster,
    runbook: parts.runbook,
    workflowId: parts.workflowId,
    runId: parts.runId,
    requester: parts.requester,
    decisions: parts.decisions,
    input: { flags: parts.flags, files: parts.files },
    plan: parts.plan,
    diff: parts.diff,
    steps,
    services: parts.services,
    servicesAfterUnknown: parts.servicesAfterUnknown,
    restarts,
    rollbacks: rollbackLines(steps),
    objects: changedObjects(parts.diff, parts.plan),
    startedAt: parts.startedAt,
    endedAt: parts.endedAt,
    outcome: parts.outcome,
    reason: parts.reason,
  });
}

// Kept elsewhere in the record (requester, files, plan, diff) or test-only: not flags.
const notFlags = new Set(['cluster', 'requestedBy', 'requester', 'sources', 'desired', 'testPlanSteps']);

/** The options a run was started with, as its record shows them. */
export function runFlags(input: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([key]) => !notFlags.has(key)));
}
