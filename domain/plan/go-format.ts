// Go's formatting and parsing where MetalLB's messages and decoders depend on them: time.Duration
// text (metav1.Duration fields of BGPPeer), %q of an int (a rune literal), %v of a LabelSelector.
import { goQuote } from '../addresses.js';
import type { LabelSelector } from '../selectors.js';

export { goQuote };

const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

const DURATION_PART = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/u;

/** time.ParseDuration, in seconds; null where Go returns an error. */
export function parseGoDuration(text: string): number | null {
  let rest = text.replace(/^[+-]/, '');
  const negative = text.startsWith('-');
  if (rest === '0') return 0;
  if (rest === '') return null;
  let seconds = 0;
  while (rest !== '') {
    const part = DURATION_PART.exec(rest);
    if (part === null || part[1] === '' || part[1] === '.') return null;
    seconds += Number(part[1]) * UNIT_SECONDS[part[2]!]!;
    rest = rest.slice(part[0].length);
  }
  return negative ? -seconds : seconds;
}

const trimFraction = (value: number): string => String(Number(value.toFixed(9)));

/** time.Duration.String for whole and fractional seconds ("1m30s", "500ms", "0s"). */
export function formatGoDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  if (Math.abs(seconds) < 1) return `${trimFraction(seconds * 1000)}ms`;
  const sign = seconds < 0 ? '-' : '';
  let rest = Math.abs(seconds);
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  rest -= minutes * 60;
  const head = `${hours > 0 ? `${hours}h` : ''}${hours > 0 || minutes > 0 ? `${minutes}m` : ''}`;
  return `${sign}${head}${trimFraction(rest)}s`;
}

const RUNE_ESCAPES: Record<number, string> = { 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r' };
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

// The escapes strconv.QuoteRune uses for ASCII, or null for a rune quoted by the generic rules.
function asciiEscape(value: number): string | null {
  if (value === 0x27 || value === 0x5c) return `\\${String.fromCharCode(value)}`;
  if (RUNE_ESCAPES[value] !== undefined) return `\\${RUNE_ESCAPES[value]}`;
  if (value < 0x20 || value === 0x7f) return `\\x${value.toString(16).padStart(2, '0')}`;
  return null;
}

/** Go's %q of an integer: a quoted rune (MetalLB formats aggregation lengths this way). */
export function goQuoteRune(value: number): string {
  const escaped = asciiEscape(value);
  if (escaped !== null) return `'${escaped}'`;
  const valid = value <= 0x10ffff && (value < 0xd800 || value > 0xdfff);
  const rune = valid ? value : 0xfffd;
  if (PRINTABLE.test(String.fromCodePoint(rune))) return `'${String.fromCodePoint(rune)}'`;
  if (rune < 0x10000) return `'\\u${rune.toString(16).padStart(4, '0')}'`;
  return `'\\U${rune.toString(16).padStart(8, '0')}'`;
}

const goMap = (labels: Readonly<Record<string, string>>): string =>
  `map[${Object.keys(labels)
    .sort()
    .map((key) => `${goQuote(key)}:${goQuote(labels[key]!)}`)
    .join(' ')}]`;

/** fmt's %q of a metav1.LabelSelector value (MetalLB quotes selectors this way in its messages). */
export function goSelector(selector: LabelSelector): string {
  const expressions = (selector.matchExpressions ?? []).map(
    (req) => `{${goQuote(req.key)} ${goQuote(req.operator)} [${(req.values ?? []).map(goQuote).join(' ')}]}`,
  );
  return `{${goMap(selector.matchLabels ?? {})} [${expressions.join(' ')}]}`;
}
