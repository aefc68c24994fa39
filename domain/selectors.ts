// Kubernetes label-selector matching (metav1.LabelSelectorAsSelector semantics) as pure functions,
// so advertisement, serviceAllocation and workload selectors are judged the way MetalLB judges them.

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: readonly string[] | null;
}

export interface LabelSelector {
  matchLabels?: Readonly<Record<string, string>> | null;
  matchExpressions?: readonly LabelSelectorRequirement[] | null;
}

export type Labels = Readonly<Record<string, string>> | null | undefined;

export type CompiledSelector = { ok: true; matches: (labels: Labels) => boolean } | { ok: false; error: string };

type Test = (labels: Readonly<Record<string, string>>) => boolean;

const has = (labels: Readonly<Record<string, string>>, key: string): boolean =>
  Object.prototype.hasOwnProperty.call(labels, key);

// Same rules as apimachinery: In/NotIn need values, Exists/DoesNotExist must have none.
function requirementTest(req: LabelSelectorRequirement): Test | string {
  const values = req.values ?? [];
  const set = new Set(values);
  switch (req.operator) {
    case 'In':
      return values.length === 0
        ? `values: must be specified when operator is In`
        : (l) => has(l, req.key) && set.has(l[req.key]!);
    case 'NotIn':
      return values.length === 0
        ? `values: must be specified when operator is NotIn`
        : (l) => !has(l, req.key) || !set.has(l[req.key]!);
    case 'Exists':
      return values.length > 0 ? `values: may not be specified when operator is Exists` : (l) => has(l, req.key);
    case 'DoesNotExist':
      return values.length > 0 ? `values: may not be specified when operator is DoesNotExist` : (l) => !has(l, req.key);
    default:
      return `"${req.operator}" is not a valid label selector operator`;
  }
}

/** Compiles once; an empty selector matches everything, as in Kubernetes. */
export function compileSelector(selector: LabelSelector): CompiledSelector {
  const tests: Test[] = Object.entries(selector.matchLabels ?? {}).map(
    ([key, value]) =>
      (l) =>
        has(l, key) && l[key] === value,
  );
  for (const req of selector.matchExpressions ?? []) {
    const test = requirementTest(req);
    if (typeof test === 'string') return { ok: false, error: `key ${req.key}: ${test}` };
    tests.push(test);
  }
  return { ok: true, matches: (labels) => tests.every((test) => test(labels ?? {})) };
}

// Checks match one selector against every pool, node or namespace: compile each selector object
// once. Keyed by identity, so a selector must not be changed after it was first matched (the
// snapshot's objects never are).
const compiledSelectors = new WeakMap<LabelSelector, CompiledSelector>();

function compiledOnce(selector: LabelSelector): CompiledSelector {
  let compiled = compiledSelectors.get(selector);
  if (compiled === undefined) compiledSelectors.set(selector, (compiled = compileSelector(selector)));
  return compiled;
}

/** An invalid selector matches nothing (MetalLB rejects it; it never selects anything). */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  const compiled = compiledOnce(selector);
  return compiled.ok && compiled.matches(labels);
}

/** True when any selector matches; an empty list matches nothing. */
export function anySelectorMatches(selectors: readonly LabelSelector[], labels: Labels): boolean {
  return selectors.some((selector) => selectorMatches(selector, labels));
}

/** Readable form for titles: `app=web,tier in (a,b)`. */
export function describeSelector(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const req of selector.matchExpressions ?? []) {
    const values = (req.values ?? []).join(',');
    if (req.operator === 'Exists') parts.push(req.key);
    else if (req.operator === 'DoesNotExist') parts.push(`!${req.key}`);
    else parts.push(`${req.key} ${req.operator === 'In' ? 'in' : 'notin'} (${values})`);
  }
  return parts.length === 0 ? '(everything)' : parts.join(',');
}
