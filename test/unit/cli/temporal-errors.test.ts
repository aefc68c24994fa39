// Where the CLI was pointed at the wrong Temporal (down, or a namespace that does not exist) is one line and exit 2,
// from the one place every command connects through (client/temporal.ts).
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { NamespaceNotFoundError } from '@temporalio/common';
import { ServiceError } from '@temporalio/client';
import { temporalTargetProblem, withTemporal } from '../../../client/temporal.js';
import { UsageError } from '../../../client/usage-error.js';

const target = { temporalAddress: '127.0.0.1:1', temporalNamespace: 'prod' };

/** A gRPC error as @grpc/grpc-js makes one (code, details, metadata). */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

/** A loopback port nothing listens on: bind one, then close it. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('Temporal target problems', () => {
  it('a namespace that does not exist names the namespace and the flag, exit 2', () => {
    for (const error of [
      new NamespaceNotFoundError('prod'),
      new ServiceError('describeTaskQueue failed', { cause: grpcError(5, 'Namespace prod is not found.') }),
    ]) {
      const problem = temporalTargetProblem(error, target);
      expect(problem).toBeInstanceOf(UsageError);
      expect(problem?.exitCode).toBe(2);
      expect(problem?.message).toBe(
        'Temporal namespace "prod" does not exist on 127.0.0.1:1: pass the namespace the workers use with ' +
          '--temporal-namespace (or $TEMPORAL_NAMESPACE); nothing was changed',
      );
    }
  });

  it('a server that stops answering midway is exit 2; other failures keep their own exit code', () => {
    expect(temporalTargetProblem(grpcError(14, 'No connection established'), target)?.message).toBe(
      'lost Temporal at 127.0.0.1:1 (No connection established): check the server and run the command again',
    );
    expect(temporalTargetProblem(grpcError(5, 'workflow not found for ID: x'), target)).toBeNull();
    expect(temporalTargetProblem(new Error('refused: another change is running'), target)).toBeNull();
  });

  it('a server that is not there is one line naming the address and the flag', async () => {
    const address = `127.0.0.1:${await closedPort()}`;
    const error = await withTemporal({ temporalAddress: address, temporalNamespace: 'default' }, () =>
      Promise.resolve(new Error('ran without a server')),
    ).then(
      () => new Error('connected'),
      (failure: unknown) => failure as Error,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(
      new RegExp(`^cannot reach Temporal at ${address} \\(.+\\): start it or pass --temporal-address`),
    );
    expect(error.message).not.toContain('\n');
  }, 30_000);
});
