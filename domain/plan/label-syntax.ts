// Kubernetes label syntax and label-selector conversion as apimachinery words them
// (validation.IsQualifiedName, IsValidLabelValue, labels.NewRequirement, metav1.LabelSelectorAsSelector),
// because MetalLB passes those errors on verbatim.
import { goQuote } from './go-format.js';

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const QUALIFIED_NAME =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric " +
  "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is " +
  "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must " +
  "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must " +
  "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for " +
  "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

// An empty name part gets both errors, as in apimachinery.
function namePartErrors(name: string): string[] {
  const length = name === '' ? ['name part must be non-empty'] : [];
  if (name.length > 63) length.push('name part must be no more than 63 characters');
  return NAME.test(name) ? length : [...length, `name part ${QUALIFIED_NAME}`];
}

function prefixErrors(prefix: string): string[] {
  if (prefix === '') return ['prefix part must be non-empty'];
  const errors = prefix.length > 253 ? ['prefix part must be no more than 253 characters'] : [];
  return DNS_SUBDOMAIN.test(prefix) ? errors : [...errors, `prefix part ${SUBDOMAIN}`];
}

/** validation.IsQualifiedName: the errors of a label key ([] when valid). */
export function qualifiedNameErrors(key: string): string[] {
  const parts = key.split('/');
  if (parts.length > 2) {
    return [
      `a qualified name ${QUALIFIED_NAME} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  return parts.length === 1 ? namePartErrors(key) : [...prefixErrors(parts[0]!), ...namePartErrors(parts[1]!)];
}

/** validation.IsValidLabelValue: the errors of a label value ([] when valid). */
export function labelValueErrors(value: string): string[] {
  const errors = value.length > 63 ? ['must be no more than 63 characters'] : [];
  return value === '' || NAME.test(value) ? errors : [...errors, LABEL_VALUE];
}

const goStrings = (values: readonly string[]): string =>
  values.length === 0 ? '[]string(nil)' : `[]string{${values.map(goQuote).join(', ')}}`;

// labels.NewRequirement's field errors, aggregated as utilerrors.NewAggregate prints them.
function requirementError(key: string, operator: string, values: readonly string[]): string | null {
  const errors: string[] = [];
  const keyErrors = qualifiedNameErrors(key);
  if (keyErrors.length > 0) errors.push(`key: Invalid value: ${goQuote(key)}: ${keyErrors.join('; ')}`);
  if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
    errors.push(`values: Invalid value: ${goStrings(values)}: for 'in', 'notin' operators, values set can't be empty`);
  }
  if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
    errors.push(`values: Invalid value: ${goStrings(values)}: values set must be empty for exists and does not exist`);
  }
  values.forEach((value, index) => {
    const valueErrors = labelValueErrors(value);
    if (valueErrors.length > 0) {
      errors.push(`values[${index}][${key}]: Invalid value: ${goQuote(value)}: ${valueErrors.join('; ')}`);
    }
  });
  if (errors.length === 0) return null;
  return errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`;
}

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/** A selector as the validator receives it. */
export interface SelectorInput {
  matchLabels?: Readonly<Record<string, string>> | null;
  matchExpressions?: readonly { key: string; operator: string; values?: readonly string[] | null }[] | null;
}

/** metav1.LabelSelectorAsSelector's error, or null when the selector converts. */
export function selectorConversionError(selector: SelectorInput): string | null {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const error = requirementError(key, 'Equals', [value]);
    if (error !== null) return error;
  }
  for (const { key, operator, values } of selector.matchExpressions ?? []) {
    if (!OPERATORS.has(operator)) return `${goQuote(operator)} is not a valid label selector operator`;
    const error = requirementError(key, operator, values ?? []);
    if (error !== null) return error;
  }
  return null;
}

const sortedKeys = (labels: Readonly<Record<string, string>>): string[] =>
  Object.keys(labels).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** fmt's %v of a metav1.LabelSelector value: `{map[k:v] [{key In [a b]}]}`. */
export function selectorValueText(selector: SelectorInput): string {
  const labels = selector.matchLabels ?? {};
  const map = `map[${sortedKeys(labels)
    .map((key) => `${key}:${labels[key]}`)
    .join(' ')}]`;
  const expressions = (selector.matchExpressions ?? []).map(
    (req) => `{${req.key} ${req.operator} [${(req.values ?? []).join(' ')}]}`,
  );
  return `{${map} [${expressions.join(' ')}]}`;
}

/** The generated String() of a *metav1.LabelSelector (MetalLB prints namespace selectors this way). */
export function selectorPointerText(selector: SelectorInput): string {
  const labels = selector.matchLabels ?? {};
  const map = sortedKeys(labels)
    .map((key) => `${key}: ${labels[key]},`)
    .join('');
  const expressions = (selector.matchExpressions ?? [])
    .map(
      (req) =>
        `LabelSelectorRequirement{Key:${req.key},Operator:${req.operator},Values:[${(req.values ?? []).join(' ')}],},`,
    )
    .join('');
  const matchLabels = `MatchLabels:map[string]string{${map}},`;
  return `&LabelSelector{${matchLabels}MatchExpressions:[]LabelSelectorRequirement{${expressions}},}`;
}
