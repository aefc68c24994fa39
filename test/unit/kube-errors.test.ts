import { describe, expect, it } from 'vitest';
import { ApiException } from '@kubernetes/client-node';
import { failureTypes, isFailureType, nonRetryableFailureTypes } from '../../domain/failures.js';
import { classifyKubeError } from '../../domain/kube-errors.js';

const apiError = (code: number, message: string) =>
  new ApiException(code, `HTTP-Code: ${code}`, JSON.stringify({ kind: 'Status', code, message }), {});

describe('classifyKubeError', () => {
  it.each([409, 429, 500, 502, 503, 504])('HTTP %i is retryable', (code) => {
    expect(classifyKubeError(apiError(code, 'x')).retryable).toBe(true);
  });

  it.each([
    [400, 'KubeBadRequest'],
    [403, 'KubeForbidden'],
    [404, 'KubeNotFound'],
    [422, 'KubeInvalid'],
  ])('HTTP %i is not retryable and carries its reason', (code, type) => {
    const result = classifyKubeError(apiError(code, `ipaddresspools.metallb.io "p" is ${type}`));
    expect(result).toEqual({
      retryable: false,
      type,
      status: code,
      message: `ipaddresspools.metallb.io "p" is ${type}`,
    });
  });

  it('treats connection failures as retryable network errors', () => {
    const socket = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const result = classifyKubeError(new TypeError('fetch failed', { cause: socket }));
    expect(result.retryable).toBe(true);
    expect(result.type).toBe('KubeNetwork');
    expect(result.message).toContain('ECONNREFUSED');
  });

  it('treats a plain programming error as not retryable', () => {
    expect(classifyKubeError(new Error('boom'))).toMatchObject({ retryable: false, type: 'KubeClientError' });
  });
});

describe('classifyKubeError: the gaps a review found', () => {
  const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
  const fetchFailed = (cause: Error) => new TypeError('fetch failed', { cause });

  it.each([
    [408, 'KubeRequestTimeout'],
    [425, 'KubeTooEarly'],
  ])('HTTP %i is retryable (%s)', (code, type) => {
    expect(classifyKubeError(apiError(code, 'later'))).toMatchObject({ retryable: true, type });
  });

  it.each(['UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED', 'UND_ERR_ABORTED', 'ECONNRESET'])(
    'undici/socket code %s is a retryable network error',
    (code) => {
      expect(classifyKubeError(fetchFailed(withCode('socket trouble', code)))).toMatchObject({
        retryable: true,
        type: 'KubeNetwork',
      });
    },
  );

  it('a response body cut mid-way ("terminated") is a retryable network error', () => {
    const cut = new TypeError('terminated', { cause: withCode('other side closed', 'UND_ERR_SOCKET') });
    expect(classifyKubeError(cut)).toMatchObject({ retryable: true, type: 'KubeNetwork' });
    expect(classifyKubeError(new TypeError('terminated'))).toMatchObject({ retryable: true, type: 'KubeNetwork' });
  });

  it('an aborted request is a retryable network error', () => {
    const aborted = Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
    expect(classifyKubeError(aborted)).toMatchObject({ retryable: true, type: 'KubeNetwork' });
  });

  it('a request its timeout signal ended (DOMException TimeoutError) is a retryable network error', async () => {
    // What fetch rejects with when AbortSignal.timeout fires: a stalled API server, not our defect.
    const signal = AbortSignal.timeout(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const timedOut: unknown = signal.reason;
    expect((timedOut as Error).name).toBe('TimeoutError');
    expect(classifyKubeError(timedOut)).toMatchObject({ retryable: true, type: 'KubeNetwork' });
    expect(classifyKubeError(timedOut).message).toContain('TIMEOUT_ERR');
  });

  it.each(['CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'EPROTO'])(
    'TLS failure %s is not retryable, even inside "fetch failed"',
    (code) => {
      const result = classifyKubeError(fetchFailed(withCode('certificate trouble', code)));
      expect(result).toMatchObject({ retryable: false, type: 'KubeTls' });
      expect(result.message).toContain(code);
    },
  );

  it('a failed JSON-patch test (422, cause "test failed") is retried after a re-read; other 422s are not', () => {
    const body = JSON.stringify({
      kind: 'Status',
      code: 422,
      reason: 'Invalid',
      message: 'the server rejected our request due to an error in our request',
      details: {
        causes: [{ reason: 'UnexpectedServerResponse', message: 'testing value /spec/x failed: test failed' }],
      },
    });
    const testFailed = classifyKubeError(new ApiException(422, 'HTTP-Code: 422', body, {}));
    expect(testFailed).toMatchObject({ retryable: true, type: 'KubePatchTestFailed', status: 422 });
    expect(testFailed.message).toContain('/spec/x');
    // What kube-apiserver v1.36 really sends for a failed test op: the generic message, no causes.
    const generic = apiError(422, 'the server rejected our request due to an error in our request');
    expect(classifyKubeError(generic)).toMatchObject({ retryable: true, type: 'KubePatchTestFailed' });
    expect(classifyKubeError(apiError(422, 'spec.addresses: Invalid value'))).toMatchObject({
      retryable: false,
      type: 'KubeInvalid',
    });
  });

  it('other 4xx answers are not retryable', () => {
    expect(classifyKubeError(apiError(405, 'no'))).toMatchObject({ retryable: false, type: 'KubeHttpError' });
  });
});

describe('the failure table', () => {
  it('the non-retryable list is exactly the table rows that are not retryable', () => {
    const expected = Object.entries(failureTypes)
      .filter(([, info]) => !info.retryable)
      .map(([type]) => type);
    expect(nonRetryableFailureTypes).toEqual(expected);
    expect(nonRetryableFailureTypes).toEqual(
      expect.arrayContaining(['KubeBadRequest', 'KubeUnauthorized', 'KubeForbidden', 'KubeNotFound', 'KubeInvalid']),
    );
    for (const retryable of ['KubeConflict', 'KubeTooManyRequests', 'KubeServerError', 'KubeNetwork']) {
      expect(nonRetryableFailureTypes).not.toContain(retryable);
    }
  });

  it.each([400, 401, 403, 404, 405, 408, 409, 410, 422, 425, 429, 500, 503])(
    'HTTP %i classifies to a type of the table with its retryability',
    (code) => {
      const result = classifyKubeError(apiError(code, 'x'));
      expect(isFailureType(result.type)).toBe(true);
      expect(result.retryable).toBe(failureTypes[result.type].retryable);
    },
  );
});
