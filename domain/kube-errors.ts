import { failureTypes, type FailureType } from './failures.js';

/**
 * How a failed Kubernetes API call should be treated. Conflicts, throttling, server errors and
 * network failures are worth retrying with backoff; everything that says "your request is wrong"
 * (400, 403, 404, 422, ...) will fail the same way again.
 */
export interface KubeErrorClass {
  retryable: boolean;
  /** Stable type for ApplicationFailure, from the one failure table (domain/failures.ts). */
  type: FailureType;
  status: number | null;
  /** One line: what the API server said. */
  message: string;
}

const namedStatuses: Record<number, FailureType> = {
  400: 'KubeBadRequest',
  401: 'KubeUnauthorized',
  403: 'KubeForbidden',
  404: 'KubeNotFound',
  408: 'KubeRequestTimeout',
  409: 'KubeConflict',
  410: 'KubeGone',
  422: 'KubeInvalid',
  425: 'KubeTooEarly',
  429: 'KubeTooManyRequests',
};

/** Socket and undici failures: the request may not have reached the server, or its answer was cut. */
const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_ABORTED',
  'ABORT_ERR',
  'TIMEOUT_ERR',
]);

/** Errors known by name: an aborted fetch (AbortError) and one its timeout signal ended (TimeoutError). */
const namedNetworkErrors: Record<string, string> = { AbortError: 'ABORT_ERR', TimeoutError: 'TIMEOUT_ERR' };

/** Certificate and handshake failures: the same request fails the same way until someone fixes the trust. */
const tlsCodes = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'EPROTO',
]);

/**
 * What the API server answers (422, no causes) when a JSON patch cannot be applied to the object as it
 * is now: a `test` op no longer holds or a path is gone. Validation errors say "<Kind> "name" is invalid".
 */
const patchNotApplicableMessage = 'the server rejected our request due to an error in our request';
const isTestFailure = (cause: string): boolean => /test failed/i.test(cause);

/** Classifies an HTTP status; `causes` are the Status object's details.causes messages. */
export function classifyStatus(status: number, message: string, causes: readonly string[] = []): KubeErrorClass {
  const patchTestFailed = status === 422 && (message === patchNotApplicableMessage || causes.some(isTestFailure));
  const type: FailureType = patchTestFailed
    ? 'KubePatchTestFailed'
    : (namedStatuses[status] ?? (status >= 500 ? 'KubeServerError' : 'KubeHttpError'));
  const text = patchTestFailed
    ? `${message} (a JSON patch no longer applies: ${causes.join('; ') || 're-read'})`
    : message;
  return { retryable: failureTypes[type].retryable, type, status, message: text };
}

/** Reads the Status object a client-node ApiException carries (`code` + JSON `body`). */
function apiExceptionParts(error: unknown): { code: number; body: unknown } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, body } = error as { code?: unknown; body?: unknown };
  return typeof code === 'number' && code >= 100 ? { code, body } : undefined;
}

interface StatusParts {
  message: string;
  causes: string[];
}

/** The Status object's message and its details.causes messages; a body that is not JSON is its first line. */
function statusParts(body: unknown, fallback: string): StatusParts {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return { message: body.trim().split('\n')[0] || fallback, causes: [] };
    }
  }
  const status = parsed as { message?: unknown; details?: { causes?: { message?: unknown }[] } } | null;
  const message = typeof status?.message === 'string' && status.message ? status.message : fallback;
  const causes = (status?.details?.causes ?? [])
    .map((cause) => cause.message)
    .filter((text): text is string => typeof text === 'string' && text.length > 0);
  return { message, causes };
}

/** Walks `cause` chains: fetch wraps the socket or TLS error that names the real failure. */
function causeCode(error: unknown, codes: ReadonlySet<string>): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && codes.has(code)) return code;
    const name = (current as { name?: unknown }).name;
    if (typeof name === 'string' && codes === networkCodes && namedNetworkErrors[name]) return namedNetworkErrors[name];
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** fetch says only "fetch failed"; the cause chain holds what actually went wrong. */
function innermostMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  for (let current = (error as { cause?: unknown })?.cause, depth = 0; current && depth < 5; depth++) {
    if (current instanceof Error && current.message) message = current.message;
    current = (current as { cause?: unknown }).cause;
  }
  return message;
}

/** Classifies any error a Kubernetes client call can throw: API answers, TLS, network, or our own defect. */
export function classifyKubeError(error: unknown): KubeErrorClass {
  const api = apiExceptionParts(error);
  if (api) {
    const { message, causes } = statusParts(api.body, `HTTP ${api.code}`);
    return classifyStatus(api.code, message, causes);
  }
  const tls = causeCode(error, tlsCodes);
  if (tls) return { retryable: false, type: 'KubeTls', status: null, message: `${tls}: ${innermostMessage(error)}` };
  const code = causeCode(error, networkCodes);
  const text = error instanceof Error ? error.message : String(error);
  // undici ends a cut response body with TypeError("terminated"); fetch failures say "fetch failed".
  if (code || /fetch failed|socket hang up|network|^terminated$/i.test(text)) {
    return {
      retryable: true,
      type: 'KubeNetwork',
      status: null,
      message: `${code ?? 'network error'}: ${innermostMessage(error)}`,
    };
  }
  return { retryable: false, type: 'KubeClientError', status: null, message: text };
}
