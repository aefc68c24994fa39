// Label-selector checks MetalLB runs on every selector list: validateLabelSelectorDuplicate (equal
// selectors, equal match expressions, repeated values) and metav1.LabelSelectorAsSelector (operators,
// values, label key and value syntax).
import { selectorMatches } from '../../selectors.js';
import { selectorConversionError } from '../label-syntax.js';
import { goQuote, goSelector } from '../go-format.js';
import type { LabelSelectorSpec } from '../shapes.js';

/** A problem found in one selector of a list. */
export interface SelectorFinding {
  index: number;
  message: string;
}

type Requirement = NonNullable<LabelSelectorSpec['matchExpressions']>[number];

const sortedValues = (req: Requirement): Requirement => ({ ...req, values: [...(req.values ?? [])].sort() });

const requirementKey = (req: Requirement): string => JSON.stringify([req.key, req.operator, sortedValues(req).values]);

// The selector's String() after MetalLB sorted each expression's values: labels by key, expressions in order.
function selectorKey(selector: LabelSelectorSpec): string {
  const labels = Object.entries(selector.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([labels, (selector.matchExpressions ?? []).map(requirementKey)]);
}

const goRequirement = (req: Requirement): string =>
  `{${goQuote(req.key)} ${goQuote(req.operator)} [${(req.values ?? []).map(goQuote).join(' ')}]}`;

function expressionProblem(selector: LabelSelectorSpec): string | null {
  const expressions = selector.matchExpressions ?? [];
  for (const [position, req] of expressions.entries()) {
    const values = sortedValues(req).values ?? [];
    const repeated = values.find((value, i) => values.indexOf(value) !== i);
    if (repeated !== undefined) {
      return `duplicate definition of match expression value in label selector ${goQuote(repeated)}`;
    }
    const twin = expressions.slice(position + 1).some((other) => requirementKey(other) === requirementKey(req));
    if (twin) return `duplicate definition of match expressions ${goRequirement(sortedValues(req))}`;
  }
  return null;
}

/** validateLabelSelectorDuplicate: `kindOfList` is MetalLB's name for the list (e.g. `serviceSelectors`). */
export function duplicateSelectors(list: readonly LabelSelectorSpec[], kindOfList: string): SelectorFinding[] {
  const findings: SelectorFinding[] = [];
  const seen = new Map<string, number>();
  list.forEach((selector, index) => {
    const expressions = expressionProblem(selector);
    if (expressions !== null) findings.push({ index, message: expressions });
    const key = selectorKey(selector);
    if (seen.has(key)) {
      // MetalLB sorted each expression's values in place before printing.
      const printed = goSelector({
        ...selector,
        matchExpressions: (selector.matchExpressions ?? []).map(sortedValues),
      });
      findings.push({ index, message: `duplicate definition of ${kindOfList} ${printed}` });
    } else {
      seen.set(key, index);
    }
  });
  return findings;
}

/** metav1.LabelSelectorAsSelector's error, or null when the selector converts. */
export const selectorError = (selector: LabelSelectorSpec): string | null => selectorConversionError(selector);

/** True when any selector of the list matches the labels (invalid selectors match nothing). */
export const anyMatches = (list: readonly LabelSelectorSpec[], labels: Readonly<Record<string, string>>): boolean =>
  list.some((selector) => selectorMatches(selector, labels));

/** A selector list's canonical text, to tell equal lists apart from different ones. */
export const selectorListKey = (list: readonly LabelSelectorSpec[] | null | undefined): string =>
  JSON.stringify((list ?? []).map(selectorKey).sort());
