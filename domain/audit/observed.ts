// What the config watch makes of what it sees: whether a write changed an object's spec (status and
// metadata-only writes do not), which field manager wrote it (managedFields), the difference between the
// state last recorded and a relist after 410 Gone, and the audit record of each. Pure.
import { redactValue } from '../redact.js';
import { canonicalJson } from '../runbooks/backup.js';
import { fieldDiff } from './diff.js';
import {
  auditSchema,
  outsideChange,
  type AuditRecord,
  type ObjectDiff,
  type ObservedDetails,
  type ObservedObject,
} from './record.js';

/** One managedFields entry, without the fields it owns (what attribution needs). */
export interface ManagerStamp {
  manager: string;
  operation: string;
  time: string;
  subresource?: string;
  /** The top-level spec fields it owns (fieldsV1 "f:spec"), e.g. ["addresses"]. */
  specFields?: string[];
}

/** What the watch keeps of one object between events: enough to diff and attribute the next change. */
export interface WatchedObject {
  kind: string;
  name: string;
  namespace: string;
  uid: string;
  resourceVersion: string;
  spec: unknown;
  managers: ManagerStamp[];
}

/** An object as the API server sends it in a list or a watch event (only what the watch reads). */
export interface ServedObject {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    managedFields?: {
      manager?: string;
      operation?: string;
      time?: string | Date;
      subresource?: string;
      fieldsV1?: object;
    }[];
  };
  spec?: unknown;
}

/** Who wrote a change: the field manager, and a note when that is not certain. */
export interface Writer {
  manager: string;
  note: string | null;
  /** When it wrote (managedFields time), or null when unknown. */
  at: string | null;
}

const timeText = (time: string | Date | undefined): string =>
  time === undefined ? '' : time instanceof Date ? time.toISOString() : time;

/** The top-level spec fields a managedFields entry owns ("f:spec": {"f:addresses": {}} -> ["addresses"]). */
function ownedSpecFields(fieldsV1: object | undefined): string[] {
  const spec = (fieldsV1 as Record<string, unknown> | undefined)?.['f:spec'];
  if (spec === null || typeof spec !== 'object') return [];
  return Object.keys(spec).flatMap((key) => (key.startsWith('f:') ? [key.slice(2)] : []));
}

/** The object as the watch keeps it. */
export function watchedObject(kind: string, served: ServedObject): WatchedObject {
  const metadata = served.metadata ?? {};
  return {
    kind,
    name: metadata.name ?? '',
    namespace: metadata.namespace ?? '',
    uid: metadata.uid ?? '',
    resourceVersion: metadata.resourceVersion ?? '',
    // Credentials (an inline BGPPeer password) never reach the state file or a record: kept redacted.
    spec: redactValue(served.spec ?? null),
    managers: (metadata.managedFields ?? []).map((entry) => ({
      manager: entry.manager ?? 'unknown',
      operation: entry.operation ?? '',
      time: timeText(entry.time),
      ...(entry.subresource ? { subresource: entry.subresource } : {}),
      specFields: ownedSpecFields(entry.fieldsV1),
    })),
  };
}

/** "Kind/name", as records name config objects. */
export const objectKey = (object: Pick<WatchedObject, 'kind' | 'name'>): string => `${object.kind}/${object.name}`;

/** Whether the spec differs: a status write, a label or annotation edit, a no-op apply are not changes. */
export function specChanged(before: WatchedObject | undefined, after: WatchedObject): boolean {
  return before === undefined || canonicalJson(before.spec) !== canonicalJson(after.spec);
}

const stampText = (stamp: ManagerStamp) => `${stamp.manager}|${stamp.operation}|${stamp.time}|${stamp.subresource}`;
const latestFirst = (left: ManagerStamp, right: ManagerStamp) => right.time.localeCompare(left.time);

const asFields = (spec: unknown): Record<string, unknown> =>
  spec !== null && typeof spec === 'object' && !Array.isArray(spec) ? (spec as Record<string, unknown>) : {};

/** The top-level spec fields that differ between the two. */
function changedSpecFields(before: WatchedObject | undefined, after: WatchedObject): Set<string> {
  const left = asFields(before?.spec);
  const right = asFields(after.spec);
  const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])];
  return new Set(keys.filter((key) => canonicalJson(left[key]) !== canonicalJson(right[key])));
}

function writerNote(moved: readonly ManagerStamp[], writer: ManagerStamp, ownsChange: boolean): string | null {
  if (moved.length === 0)
    return ownsChange
      ? 'no managedFields time moved (they are whole seconds): named by the changed spec fields it owns'
      : 'no managedFields entry moved: the last writer is named';
  const others = [...new Set(moved.map((stamp) => stamp.manager))].filter((name) => name !== writer.manager);
  return others.length > 0 ? `also written since the last record by ${others.join(', ')}` : null;
}

/**
 * The field manager that wrote `after`: the main-resource managedFields entry that is new or newer than in
 * `before` (a manager's time moves on each write that changes its fields) and owns a changed spec field; when
 * times cannot tell (whole seconds), the owner of the changed fields; else the latest writer.
 */
export function writerOf(before: WatchedObject | undefined, after: WatchedObject): Writer {
  const known = new Set((before?.managers ?? []).map(stampText));
  const mainResource = after.managers.filter((stamp) => stamp.subresource === undefined);
  const moved = mainResource.filter((stamp) => !known.has(stampText(stamp))).sort(latestFirst);
  const latest = [...mainResource].sort(latestFirst);
  const changed = changedSpecFields(before, after);
  const owns = (stamp: ManagerStamp) => (stamp.specFields ?? []).some((field) => changed.has(field));
  const writer = [moved.filter(owns), moved, latest.filter(owns), latest].find((list) => list.length > 0)?.[0];
  if (!writer) return { manager: 'unknown', note: 'the object carries no managedFields', at: null };
  return { manager: writer.manager, note: writerNote(moved, writer, owns(writer)), at: writer.time || null };
}

/** A delete's writer: delete requests carry no field manager, so the last writer is named instead. */
export function deleteWriter(last: WatchedObject | undefined): Writer {
  const lastWriter = last ? writerOf(undefined, last).manager : 'unknown';
  return {
    manager: 'unknown',
    note: `delete requests carry no field manager; the last writer was ${lastWriter}`,
    at: null,
  };
}

/** One observed change of one object, as a record lists it. */
export function observedObject(
  action: ObservedObject['action'],
  object: WatchedObject,
  writer: Writer,
  seenAt: string,
): ObservedObject {
  return {
    object: objectKey(object),
    namespace: object.namespace,
    uid: object.uid,
    action,
    resourceVersion: object.resourceVersion,
    manager: writer.manager,
    managerNote: writer.note,
    changedAt: writer.at ?? seenAt,
    spec: object.spec,
  };
}

/** The diff entry of one observed change: the spec field by field. */
export function observedDiff(change: ObservedObject, before: unknown, after: unknown): ObjectDiff {
  return {
    object: change.object,
    action: change.action,
    // A create or delete lists each field of the spec, as an update does.
    fields: fieldDiff(before ?? {}, after ?? {}, 'spec'),
    by: `field manager ${change.manager}`,
  };
}

/** What a relist found changed against the state last recorded. */
export interface RelistChange {
  change: ObservedObject;
  diff: ObjectDiff;
}

const byKey = <Value>(map: ReadonlyMap<string, Value>) => [...map].sort(([left], [right]) => left.localeCompare(right));

/** A listed object created or changed since `before` (undefined: not known), or null when its spec is the same. */
function listedChange(before: WatchedObject | undefined, now: WatchedObject, relistedAt: string): RelistChange | null {
  const replaced = before !== undefined && before.uid !== now.uid;
  if (before && !replaced && !specChanged(before, now)) return null;
  // Against what was last recorded: the writer is the one that owns the fields changed since.
  const writer = writerOf(replaced ? undefined : before, now);
  const change = observedObject(before ? 'update' : 'create', now, writer, relistedAt);
  if (replaced) change.managerNote = 'deleted and created again while not watching';
  return { change, diff: observedDiff(change, before?.spec, now.spec) };
}

/** Objects created, changed and deleted between `known` (last recorded) and `listed` (now), by "Kind/name". */
export function relistChanges(
  known: ReadonlyMap<string, WatchedObject>,
  listed: ReadonlyMap<string, WatchedObject>,
  relistedAt: string,
): RelistChange[] {
  const changed = byKey(listed).flatMap(([key, now]) => listedChange(known.get(key), now, relistedAt) ?? []);
  const deleted = byKey(known)
    .filter(([key]) => !listed.has(key))
    .map(([, gone]) => {
      const change = observedObject('delete', gone, deleteWriter(gone), relistedAt);
      return { change, diff: observedDiff(change, gone.spec, undefined) };
    });
  return [...changed, ...deleted];
}

/** What an observed record is built from. */
export interface ObservedRecordParts {
  id: string;
  cluster: string;
  changes: RelistChange[];
  seenAt: string;
  gap: ObservedDetails['gap'];
}

/** The audit record of changes made outside this tool: one object's change, or a relist's difference. */
export function observedRecord(parts: ObservedRecordParts): AuditRecord {
  const objects = parts.changes.map(({ change }) => change);
  const managers = [...new Set(objects.map((object) => object.manager))].join(', ');
  const changedAt = objects.map((object) => object.changedAt).sort()[0] ?? parts.seenAt;
  return {
    schema: auditSchema,
    id: parts.id,
    cluster: parts.cluster,
    runbook: outsideChange,
    source: 'outside',
    observed: { objects, gap: parts.gap },
    workflowId: 'none',
    runId: parts.id.split('/').slice(2).join('/'),
    requester: {
      kubernetes: null,
      kubernetesUnknownBecause: 'made outside metallb-runbooks: the watch sees the field manager, not the user',
      osUser: 'unknown',
      temporalIdentity: 'none',
      label: managers,
    },
    decisions: [],
    input: { flags: {}, files: [] },
    plan: null,
    diff: parts.changes.map(({ diff }) => diff),
    steps: [],
    services: [],
    servicesAfterUnknown: null,
    restarts: [],
    rollbacks: [],
    objects: [...new Set(objects.map((object) => object.object))],
    startedAt: parts.gap ? parts.gap.since : changedAt,
    endedAt: parts.seenAt,
    outcome: 'succeeded',
    reason: parts.gap ? `changes while not watching (${parts.gap.why})` : null,
  };
}

/**
 * The id of the record of one watched change: the object's uid and the resourceVersion the change left, and
 * `/deleted` for a delete (a relist, which cannot know a delete's resourceVersion, finds it by that).
 */
export function observedChangeId(cluster: string, object: WatchedObject, action: ObservedObject['action']): string {
  const id = `observed/${cluster}/${object.kind}/${object.name}/${object.uid}/${object.resourceVersion}`;
  return action === 'delete' ? `${id}/deleted` : id;
}
