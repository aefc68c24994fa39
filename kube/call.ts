// The one place a Kubernetes API error becomes a Temporal failure: its type comes from
// classifyKubeError, 409/429/5xx/network stay retryable, everything else fails at once with the
// API server's reason in the message.
import { ApplicationFailure } from '@temporalio/common';
import type { FailureType } from '../domain/failures.js';
import { classifyKubeError } from '../domain/kube-errors.js';

export interface KubeFailureDetails {
  status: number | null;
  /** The Status object's reason, e.g. "AlreadyExists", "Conflict", "NotFound". */
  reason: string | null;
}

function statusReason(error: unknown): string | null {
  const body = (error as { body?: unknown } | null)?.body;
  try {
    const parsed =
      typeof body === 'string'
        ? (JSON.parse(body) as { reason?: unknown })
        : (body as { reason?: unknown } | undefined);
    return typeof parsed?.reason === 'string' ? parsed.reason : null;
  } catch {
    return null;
  }
}

function retryAfterMs(error: unknown): number | undefined {
  const header = (error as { headers?: Record<string, string> } | null)?.headers?.['retry-after'];
  const seconds = header === undefined ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

export function kubeFailure(what: string, error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  const c = classifyKubeError(error);
  const details: KubeFailureDetails = { status: c.status, reason: statusReason(error) };
  const delay = c.status === 429 ? retryAfterMs(error) : undefined;
  return ApplicationFailure.create({
    message: `${what}: ${c.message}`,
    type: c.type,
    nonRetryable: !c.retryable,
    details: [details],
    ...(delay === undefined ? {} : { nextRetryDelay: delay }),
  });
}

/** Runs one API call; any error comes out as an ApplicationFailure saying what was attempted. */
export async function kubeCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw kubeFailure(what, error);
  }
}

export function failureReason(failure: ApplicationFailure): string | null {
  return (failure.details?.[0] as KubeFailureDetails | undefined)?.reason ?? null;
}

export const isNotFound = (error: unknown): boolean =>
  error instanceof ApplicationFailure && error.type === 'KubeNotFound';

/** Runs a read; a 404 becomes null, any other failure propagates. */
export async function orNullIfNotFound<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

export const isAlreadyExists = (error: unknown): boolean =>
  error instanceof ApplicationFailure && error.type === 'KubeConflict' && failureReason(error) === 'AlreadyExists';

/** A runbook-level failure that retrying cannot fix (verification failed, deadline missed...). */
export function runbookFailure(type: FailureType, message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type, nonRetryable: true });
}
