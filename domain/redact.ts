// Credentials never leave the cluster through this tool: BGP passwords, Secret data, the
// last-applied-configuration copy of an object and MetalLB's dump of its CRs and Secrets are
// replaced before anything reaches a workflow history, a file, a report or a log. Pure.

/** What stands where a credential was. */
export const REDACTED = '[redacted]';

/** kubectl's copy of the whole applied object: it repeats every inline password. */
export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

/** MetalLB <= 0.13 logs every CR and Secret it read under this key with "reload failed, retry". */
export const metallbDumpKey = 'metallb CRs and Secrets';

// Keys holding a credential wherever they appear (BGPPeer.spec.password, ConfigMap-era peers, tokens).
const SECRET_KEY = /^(password|bgp-?password|token|bearer-?token|client-?key-?data|private-?key)$/i;
/** Whether a field of this name holds a credential wherever it appears. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

// A quick test first: most log lines mention none of these, and parsing them again is wasted.
const MIGHT_HOLD_SECRETS = /password|secret|token|last-applied|private-?key/i;

type Json = unknown;

function redactObject(value: Record<string, Json>): Record<string, Json> {
  const isSecret = value['kind'] === 'Secret';
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => {
      if (SECRET_KEY.test(key) || key === metallbDumpKey || key === lastAppliedAnnotation) return [key, REDACTED];
      if (isSecret && (key === 'data' || key === 'stringData')) return [key, REDACTED];
      return [key, redactValue(inner)];
    }),
  );
}

/** A deep copy of value with every credential replaced by REDACTED. */
export function redactValue(value: Json): Json {
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === 'object') return redactObject(value as Record<string, Json>);
  return typeof value === 'string' ? redactText(value) : value;
}

// `password: x`, `"password":"x"`, `\"password\":\"x\"`, `password=x` in free text (YAML in a ConfigMap, klog lines).
const INLINE_SECRET =
  /((?:password|bgp-?password|token)\\?["']?\s*[:=]\s*\\?["']?)(?!\[redacted\])((?:[^"'\\\s,}]|\\(?!["']))+)/gi;

/** Free text with inline `password: value` pairs redacted. */
export function redactText(text: string): string {
  return MIGHT_HOLD_SECRETS.test(text) ? text.replace(INLINE_SECRET, `$1${REDACTED}`) : text;
}

/**
 * One log line with its credentials redacted: JSON lines are redacted field by field (and MetalLB's
 * dump of CRs and Secrets dropped), anything else as text. Lines without a hint of a secret are
 * returned as they are.
 */
export function redactLogLine(raw: string): string {
  if (!MIGHT_HOLD_SECRETS.test(raw)) return raw;
  const start = raw.indexOf('{');
  if (start >= 0) {
    try {
      const parsed: Json = JSON.parse(raw.slice(start));
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
        return raw.slice(0, start) + JSON.stringify(redactValue(parsed));
    } catch {
      // Not a JSON record: fall through to the text rules.
    }
  }
  return redactText(raw);
}

/** Spec fields of a MetalLB config kind that hold a credential (kept on the cluster, never in a backup). */
export function secretSpecFields(kind: string): readonly string[] {
  return kind === 'BGPPeer' ? ['password'] : [];
}

/** spec without the kind's credential fields: what a backup holds and what is compared with it. */
export function specWithoutSecrets(kind: string, spec: unknown): unknown {
  const fields = secretSpecFields(kind);
  if (fields.length === 0 || spec === null || typeof spec !== 'object' || Array.isArray(spec)) return spec;
  return Object.fromEntries(Object.entries(spec as Record<string, unknown>).filter(([key]) => !fields.includes(key)));
}

/** The credential fields set (non-empty) in spec, e.g. ["password"] for a BGPPeer with an inline password. */
export function secretFieldsSet(kind: string, spec: unknown): string[] {
  const values = (spec ?? {}) as Record<string, unknown>;
  return secretSpecFields(kind).filter((field) => typeof values[field] === 'string' && values[field] !== '');
}
