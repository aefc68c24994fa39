// The resulting config of a change: live objects updated or created by the desired ones and, with
// --prune, live objects the files leave out deleted within the scope (as kubectl apply --prune).
import { changedFields, objectKey } from './config-objects.js';
import type { ConfigObject, ObjectChange, PruneScope } from './types.js';

/** A live object and what the files make of it. */
export interface ObjectUpdate {
  live: ConfigObject;
  desired: ConfigObject;
  fields: string[];
}

/** Everything the change does to the config, object by object. */
export interface ConfigDiff {
  /** The whole MetalLB config after the change (desired objects carry their source). */
  resulting: ConfigObject[];
  creates: ConfigObject[];
  updates: ObjectUpdate[];
  deletes: ConfigObject[];
  /** One entry per object touched or kept, sorted by kind and name. */
  changes: ObjectChange[];
}

/** True when `--prune` with this scope may delete the live object. */
export function inPruneScope(object: ConfigObject, scope: PruneScope): boolean {
  if ('all' in scope) return true;
  return Object.entries(scope.selector).every(([label, value]) => object.labels[label] === value);
}

const byKindAndName = (a: ObjectChange, b: ObjectChange): number =>
  objectKey(a) < objectKey(b) ? -1 : objectKey(a) > objectKey(b) ? 1 : 0;

function addDesired(diff: ConfigDiff, object: ConfigObject, current: ConfigObject | undefined): void {
  const fields = current ? changedFields(current, object) : [];
  if (!current) diff.creates.push(object);
  else if (fields.length > 0) diff.updates.push({ live: current, desired: object, fields });
  const action = !current ? 'create' : fields.length > 0 ? 'update' : 'unchanged';
  diff.changes.push({ action, kind: object.kind, name: object.name, fields });
}

/** Creates, updates (changed fields only) and deletes that turn `live` into the desired config. */
export function diffConfig(
  live: readonly ConfigObject[],
  desired: readonly ConfigObject[],
  prune: PruneScope | null,
): ConfigDiff {
  const liveByKey = new Map(live.map((object) => [objectKey(object), object]));
  const desiredKeys = new Set(desired.map(objectKey));
  const diff: ConfigDiff = { resulting: [], creates: [], updates: [], deletes: [], changes: [] };
  for (const object of desired) addDesired(diff, object, liveByKey.get(objectKey(object)));
  for (const object of live) {
    if (desiredKeys.has(objectKey(object))) continue;
    const deleted = prune !== null && inPruneScope(object, prune);
    if (deleted) diff.deletes.push(object);
    diff.changes.push({ action: deleted ? 'delete' : 'unchanged', kind: object.kind, name: object.name, fields: [] });
  }
  const deletedKeys = new Set(diff.deletes.map(objectKey));
  diff.resulting = [
    ...live.filter((object) => !desiredKeys.has(objectKey(object)) && !deletedKeys.has(objectKey(object))),
    ...desired,
  ];
  diff.changes.sort(byKindAndName);
  return diff;
}
