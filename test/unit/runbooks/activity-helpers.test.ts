import { describe, expect, it } from 'vitest';
import { ApiException } from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { isAlreadyExists, isNotFound, kubeCall } from '../../../kube/call.js';
import { pollUntil } from '../../../activities/poll.js';

const quiet = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const activityEnv = () => new MockActivityEnvironment({}, { logger: quiet });

const apiError = (code: number, reason: string, message: string) =>
  new ApiException(code, `HTTP ${code}`, JSON.stringify({ kind: 'Status', reason, message }), {});

async function failureOf(error: unknown): Promise<ApplicationFailure> {
  try {
    await kubeCall('patch Deployment metallb-system/controller', () => Promise.reject(error));
  } catch (failure) {
    return failure as ApplicationFailure;
  }
  throw new Error('kubeCall did not throw');
}

describe('kubeCall', () => {
  it('turns 400/403/404/422 into non-retryable failures carrying the API reason', async () => {
    for (const [code, type] of [
      [400, 'KubeBadRequest'],
      [403, 'KubeForbidden'],
      [404, 'KubeNotFound'],
      [422, 'KubeInvalid'],
    ] as const) {
      const f = await failureOf(apiError(code, 'Whatever', `the server says ${code}`));
      expect(f).toBeInstanceOf(ApplicationFailure);
      expect(f).toMatchObject({
        type,
        nonRetryable: true,
        message: `patch Deployment metallb-system/controller: the server says ${code}`,
      });
    }
  });

  it('keeps 409/429/5xx and network errors retryable, and tells AlreadyExists from a conflict', async () => {
    const exists = await failureOf(apiError(409, 'AlreadyExists', 'ipaddresspools "p1" already exists'));
    const conflict = await failureOf(apiError(409, 'Conflict', 'the object has been modified'));
    expect([exists.nonRetryable, isAlreadyExists(exists), isAlreadyExists(conflict)]).toEqual([false, true, false]);
    expect((await failureOf(apiError(503, 'ServiceUnavailable', 'down'))).nonRetryable).toBe(false);
    expect((await failureOf(apiError(429, 'TooManyRequests', 'slow down'))).type).toBe('KubeTooManyRequests');
    const network = await failureOf(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }));
    expect(network).toMatchObject({ type: 'KubeNetwork', nonRetryable: false });
    expect(isNotFound(await failureOf(apiError(404, 'NotFound', 'gone')))).toBe(true);
  });
});

describe('pollUntil', () => {
  it('heartbeats what it saw and returns once the condition holds', async () => {
    const env = activityEnv();
    const beats: unknown[] = [];
    env.on('heartbeat', (d) => beats.push(d));
    let n = 0;
    const value = await env.run(() =>
      pollUntil(
        { what: 'the rollout', deadline: new Date(Date.now() + 10_000).toISOString(), intervalMs: 10 },
        async () => (++n < 3 ? { done: false, seen: `attempt ${n}` } : { done: true, value: 'rolled out' }),
      ),
    );
    expect(value).toBe('rolled out');
    expect(beats).toEqual([
      { waitingFor: 'the rollout', seen: 'attempt 1' },
      { waitingFor: 'the rollout', seen: 'attempt 2' },
    ]);
  });

  it('fails at the deadline saying what it waited for and what it last saw', async () => {
    const env = activityEnv();
    const deadline = new Date(Date.now() + 50).toISOString();
    const run = env.run(() =>
      pollUntil({ what: 'the controller to reload', deadline, intervalMs: 10 }, async () => ({
        done: false,
        seen: 'no reload line',
      })),
    );
    await expect(run).rejects.toMatchObject({
      type: 'DeadlineExceeded',
      nonRetryable: true,
      message: `timed out at ${deadline} waiting for the controller to reload; last seen: no reload line`,
    });
  });

  it('treats retryable API errors as "not yet" but stops on a non-retryable one', async () => {
    const env = activityEnv();
    let n = 0;
    const deadline = new Date(Date.now() + 5000).toISOString();
    const value = await env.run(() =>
      pollUntil({ what: 'x', deadline, intervalMs: 5 }, async () => {
        if (++n === 1)
          throw ApplicationFailure.create({
            message: 'apiserver restarting',
            type: 'KubeNetwork',
            nonRetryable: false,
          });
        return { done: true, value: n };
      }),
    );
    expect(value).toBe(2);
    const forbidden = env.run(() =>
      pollUntil({ what: 'x', deadline, intervalMs: 5 }, () =>
        Promise.reject(ApplicationFailure.create({ message: 'forbidden', type: 'KubeForbidden', nonRetryable: true })),
      ),
    );
    await expect(forbidden).rejects.toMatchObject({ type: 'KubeForbidden' });
  });
});
