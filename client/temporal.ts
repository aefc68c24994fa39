// Every command reaches Temporal through `withTemporal`, so a server that is down and a namespace that does not exist
// are one line each, exit 2, whichever command met them and wherever in it.
import { Client, Connection, isGrpcServiceError } from '@temporalio/client';
import { NamespaceNotFoundError } from '@temporalio/common';
import { UsageError } from './usage-error.js';

/** The Temporal flags every command that talks to Temporal takes. */
export interface TemporalTarget {
  temporalAddress: string;
  temporalNamespace: string;
}

/** gRPC status codes (grpc/status.proto) that say Temporal itself is not there or not answering. */
const grpcUnavailable = 14;
const grpcDeadlineExceeded = 4;
const grpcNotFound = 5;

/** The gRPC error in `error` or its `cause` chain (the SDK wraps them in ServiceError). */
function grpcErrorIn(error: unknown): { code: number; details: string } | undefined {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    if (isGrpcServiceError(current)) return { code: current.code, details: current.details };
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Why an error is about where the CLI was pointed: the namespace is unknown, or the server is not answering. */
export type TemporalTargetKind = 'namespace-missing' | 'unreachable';

function namespaceMissing(error: unknown, grpc: ReturnType<typeof grpcErrorIn>, message: string): boolean {
  if (error instanceof NamespaceNotFoundError) return true;
  if (grpc?.code === grpcNotFound && /namespace .*not found/i.test(grpc.details)) return true;
  return /^Namespace \S+ is not found/.test(message);
}

/** Which Temporal target problem `error` is, or null for anything else (a refusal, a failed run). */
export function temporalTargetKind(error: unknown): TemporalTargetKind | null {
  const grpc = grpcErrorIn(error);
  const message = error instanceof Error ? error.message : '';
  // The worker's native connection (core-bridge) says the same things in its own errors.
  if (error instanceof Error && error.name === 'TransportError') return 'unreachable';
  if (namespaceMissing(error, grpc, message)) return 'namespace-missing';
  if (grpc?.code === grpcUnavailable || grpc?.code === grpcDeadlineExceeded) return 'unreachable';
  return null;
}

/** A gRPC NOT_FOUND that is not about the namespace: the workflow (or run) asked for does not exist. */
export function isNotFound(error: unknown): boolean {
  return grpcErrorIn(error)?.code === grpcNotFound && temporalTargetKind(error) === null;
}

/**
 * Temporal's answers that are about where the CLI was pointed, as the line to show (exit 2): the namespace is
 * unknown or the server is not there. Null for anything else, which keeps its own exit code.
 */
export function temporalTargetProblem(error: unknown, target: TemporalTarget): UsageError | null {
  const kind = temporalTargetKind(error);
  if (kind === 'namespace-missing')
    return new UsageError(
      `Temporal namespace "${target.temporalNamespace}" does not exist on ${target.temporalAddress}: ` +
        'pass the namespace the workers use with --temporal-namespace (or $TEMPORAL_NAMESPACE); nothing was changed',
    );
  if (kind === null) return null;
  const grpc = grpcErrorIn(error);
  return grpc
    ? new UsageError(
        `lost Temporal at ${target.temporalAddress} (${grpc.details}): check the server and run the command again`,
      )
    : unreachable(target, (error as Error).message);
}

/** Temporal is not there: the address, what the connection said, and the flag. */
function unreachable(target: TemporalTarget, detail: string): UsageError {
  return new UsageError(
    `cannot reach Temporal at ${target.temporalAddress} (${detail.split('\n')[0]}): ` +
      'start it or pass --temporal-address (or $TEMPORAL_ADDRESS); nothing was changed',
  );
}

/** Connects to Temporal; a server that does not answer is one line naming the address and the flag. */
export async function connectTemporal(target: TemporalTarget): Promise<Connection> {
  try {
    return await Connection.connect({ address: target.temporalAddress });
  } catch (error) {
    throw unreachable(target, (error as Error).message);
  }
}

/** Runs `use` with a client of the target's namespace, closing the connection after. */
export async function withTemporal<T>(
  target: TemporalTarget,
  use: (client: Client) => Promise<T>,
  identity?: string,
): Promise<T> {
  const connection = await connectTemporal(target);
  try {
    const client = new Client({
      connection,
      namespace: target.temporalNamespace,
      ...(identity === undefined ? {} : { identity }),
    });
    return await use(client);
  } catch (error) {
    throw temporalTargetProblem(error, target) ?? error;
  } finally {
    await connection.close();
  }
}
