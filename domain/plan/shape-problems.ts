// zod issues of a spec, worded as the API server words its OpenAPI and CEL refusals (e.g.
// `spec.peerPort: Invalid value: 0: spec.peerPort in body should be greater than or equal to 1`).
// Unknown fields are our problem (the API server prunes them). BGP passwords are never echoed.
import type { z } from 'zod';
import { goQuote } from './go-format.js';
import { specShapeOf } from './shapes.js';
import type { ConfigKind, RejectedBy } from './types.js';

/** One refusal of the shape of an object. */
export interface ShapeProblem {
  rule: string;
  by: RejectedBy;
  field: string;
  message: string;
}

/** `spec.a[1].b` from a zod path under `root`. */
export function fieldPath(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`),
    root,
  );
}

const typeNames: Record<string, string> = { int: 'integer', record: 'object', number: 'number' };

function kubeType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

const shown = (field: string, value: unknown): string =>
  field.toLowerCase().includes('password')
    ? '"<redacted>"'
    : typeof value === 'string'
      ? goQuote(value)
      : String(value);

function invalidType(issue: z.core.$ZodIssueInvalidType, field: string, input: unknown) {
  if (input === undefined) return { rule: 'schema-required', message: `${field}: Required value` };
  const [got, expected] = [kubeType(input), typeNames[issue.expected] ?? issue.expected];
  return {
    rule: 'schema-type',
    message: `${field}: Invalid value: "${got}": ${field} in body must be of type ${expected}: "${got}"`,
  };
}

const outOfRange = (field: string, input: unknown, bound: string) => ({
  rule: 'schema-range',
  message: `${field}: Invalid value: ${shown(field, input)}: ${field} in body should be ${bound}`,
});

function describe(issue: z.core.$ZodIssue, field: string): { rule: string; message: string } {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type':
      return invalidType(issue, field, input);
    case 'too_small':
      return outOfRange(field, input, `greater than or equal to ${String(issue.minimum)}`);
    case 'too_big':
      return outOfRange(field, input, `less than or equal to ${String(issue.maximum)}`);
    case 'invalid_value': {
      const supported = issue.values.map((value) => goQuote(String(value))).join(', ');
      return {
        rule: 'schema-enum',
        message: `${field}: Unsupported value: ${shown(field, input)}: supported values: ${supported}`,
      };
    }
    default: {
      // CEL: the API server shows a string field's value, not an object's.
      const value = typeof input === 'string' ? `${shown(field, input)}: ` : '';
      return { rule: 'schema-cel', message: `${field}: Invalid value: ${value}${issue.message}` };
    }
  }
}

function unknownFields(issue: z.core.$ZodIssueUnrecognizedKeys, root: string): ShapeProblem[] {
  return issue.keys.map((key) => {
    const field = fieldPath(root, [...issue.path, key]);
    return {
      rule: 'unknown-field',
      by: 'tool',
      field,
      message: `unknown field ${goQuote(field)}: the API server drops it, MetalLB never sees it (check the spelling)`,
    };
  });
}

/** Removes the unknown keys zod reported, so the rest can be checked as the API server stores it. */
function pruned(value: unknown, issues: readonly z.core.$ZodIssueUnrecognizedKeys[]): unknown {
  const copy: unknown = structuredClone(value);
  for (const issue of issues) {
    const parent = issue.path.reduce<unknown>((node, key) => (node as Record<PropertyKey, unknown>)[key], copy);
    for (const key of issue.keys) delete (parent as Record<string, unknown>)[key];
  }
  return copy;
}

/** The spec as stored (null if the API server refuses it) and every problem with its shape. */
export function checkSpec<Spec>(
  kind: ConfigKind,
  apiVersion: string,
  spec: unknown,
): { spec: Spec | null; problems: ShapeProblem[] } {
  const shape = specShapeOf(kind, apiVersion);
  const first = shape.safeParse(spec, { reportInput: true });
  if (first.success) return { spec: first.data as Spec, problems: [] };
  const unknown = first.error.issues.filter(
    (issue): issue is z.core.$ZodIssueUnrecognizedKeys => issue.code === 'unrecognized_keys',
  );
  const problems = unknown.flatMap((issue) => unknownFields(issue, 'spec'));
  const second = unknown.length > 0 ? shape.safeParse(pruned(spec, unknown), { reportInput: true }) : first;
  if (second.success) return { spec: second.data as Spec, problems };
  const refusals = second.error.issues
    .filter((issue) => issue.code !== 'unrecognized_keys')
    .map((issue): ShapeProblem => {
      const field = fieldPath('spec', issue.path);
      return { ...describe(issue, field), by: 'apiserver', field };
    });
  return { spec: null, problems: [...problems, ...refusals] };
}
