// Field-level differences between two JSON values (an object's spec before and after a step). Arrays
// are compared whole: `spec.addresses` changed from [a] to [a, b] is one change. Pure.
import { canonicalJson } from '../runbooks/backup.js';

/** One field that differs. `before`/`after` undefined: the field did not exist on that side. */
export interface FieldChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

// Dotted while the key is a plain word, bracketed otherwise (annotation keys hold dots and slashes).
const childPath = (parent: string, key: string) =>
  /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? (parent ? `${parent}.${key}` : key) : `${parent}[${JSON.stringify(key)}]`;

function sameValue(left: unknown, right: unknown): boolean {
  return canonicalJson(left) === canonicalJson(right);
}

function changeAt(path: string, before: unknown, after: unknown): FieldChange {
  return { path, ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) };
}

/** Every leaf field that differs between `before` and `after`, under `path` (null or undefined: absent). */
export function fieldDiff(before: unknown, after: unknown, path = ''): FieldChange[] {
  const left = before ?? undefined;
  const right = after ?? undefined;
  if (sameValue(left, right)) return [];
  if (!isRecord(left) || !isRecord(right)) return [changeAt(path || '.', left, right)];
  const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
  return keys.flatMap((key) => fieldDiff(left[key], right[key], childPath(path, key)));
}
