import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it, vi } from 'vitest';
import { removeNamespace, type NamespaceApi } from '../../integration/helpers.js';

// removeNamespace against a stub of the two Core API calls it makes: which answers mean "gone".
const apiError = (code: number) => new ApiException(code, `HTTP ${code}`, {}, {});
const quick = { timeoutMs: 300, intervalMs: 5 };

function stubApi(deleteAnswer: () => Promise<unknown>, readAnswers: (() => Promise<unknown>)[]) {
  let reads = 0;
  const api = {
    deleteNamespace: vi.fn(deleteAnswer),
    readNamespace: vi.fn(() => readAnswers[Math.min(reads++, readAnswers.length - 1)]!()),
  };
  return api as typeof api & NamespaceApi;
}

const ok = () => Promise.resolve({ metadata: { name: 'ns' }, status: { phase: 'Terminating' } });
const fails = (code: number) => () => Promise.reject(apiError(code));

describe('removeNamespace', () => {
  it('rethrows a delete that fails other than with 404, without waiting', async () => {
    const api = stubApi(fails(403), [fails(404)]);
    await expect(removeNamespace('ns', api, quick)).rejects.toMatchObject({ code: 403 });
    expect(api.readNamespace).not.toHaveBeenCalled();
  });

  it('waits while the namespace still reads back (Terminating) and returns once it reads 404', async () => {
    const api = stubApi(ok, [ok, ok, ok, fails(404)]);
    await removeNamespace('ns', api, quick);
    expect(api.readNamespace).toHaveBeenCalledTimes(4);
  });

  it('does not take a read error other than 404 for "gone": it times out naming the error', async () => {
    const api = stubApi(ok, [fails(500)]);
    await expect(removeNamespace('ns', api, quick)).rejects.toThrow(/waiting for namespace ns to be gone: .*500/s);
  });

  it('takes a 404 on delete as already deleted and still confirms it is gone', async () => {
    const api = stubApi(fails(404), [fails(404)]);
    await removeNamespace('ns', api, quick);
    expect(api.readNamespace).toHaveBeenCalledTimes(1);
  });
});
