import { describe, expect, it } from 'vitest';
import { ApiException } from '@kubernetes/client-node';
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
