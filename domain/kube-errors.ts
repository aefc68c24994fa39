/**
 * How a failed Kubernetes API call should be treated. Conflicts, throttling, server errors and
 * network failures are worth retrying with backoff; everything that says "your request is wrong"
 * (400, 403, 404, 422, ...) will fail the same way again.
 */
export interface KubeErrorClass {
  retryable: boolean;
  /** Stable type for ApplicationFailure, e.g. "KubeForbidden", "KubeConflict", "KubeNetwork". */
  type: string;
  status: number | null;
  /** One line: what the API server said. */
  message: string;
}

const retryableStatuses = new Set([409, 429]);
const namedStatuses: Record<number, string> = {
  400: 'KubeBadRequest',
  401: 'KubeUnauthorized',
  403: 'KubeForbidden',
  404: 'KubeNotFound',
  409: 'KubeConflict',
  410: 'KubeGone',
  422: 'KubeInvalid',
  429: 'KubeTooManyRequests',
};
const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
]);

export function classifyStatus(status: number, message: string): KubeErrorClass {
  const retryable = retryableStatuses.has(status) || status >= 500;
  const type = namedStatuses[status] ?? (status >= 500 ? 'KubeServerError' : `KubeHttp${status}`);
  return { retryable, type, status, message };
}

/** Reads the Status object a client-node ApiException carries (`code` + JSON `body`). */
function apiExceptionParts(error: unknown): { code: number; body: unknown } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, body } = error as { code?: unknown; body?: unknown };
  return typeof code === 'number' && code >= 100 ? { code, body } : undefined;
}

function statusMessage(body: unknown, fallback: string): string {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.trim().split('\n')[0] || fallback;
    }
  }
  const message = (parsed as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message ? message : fallback;
}

/** Walks `cause` chains: fetch wraps the socket error that names the real network failure. */
function networkCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && networkCodes.has(code)) return code;
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

export function classifyKubeError(error: unknown): KubeErrorClass {
  const api = apiExceptionParts(error);
  if (api) return classifyStatus(api.code, statusMessage(api.body, `HTTP ${api.code}`));
  const code = networkCode(error);
  const text = error instanceof Error ? error.message : String(error);
  if (code || /fetch failed|socket hang up|network/i.test(text)) {
    return {
      retryable: true,
      type: 'KubeNetwork',
      status: null,
      message: `${code ?? 'network error'}: ${innermostMessage(error)}`,
    };
  }
  return { retryable: false, type: 'KubeClientError', status: null, message: text };
}
