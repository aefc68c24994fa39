import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it, vi } from 'vitest';
import { ClusterReadError, listAll, type Page } from '../../kube/read-cluster.js';

// listAll against a stub list call: pages are followed to the end, an expired token restarts once.
type Call = (page: { limit: number; _continue?: string }) => Promise<Page<number>>;

const page = (items: number[], token?: string): Page<number> => ({ items, metadata: { _continue: token } });

describe('listAll', () => {
  it('asks 500 at a time and follows continue tokens until the last page', async () => {
    const call = vi.fn<Call>(async ({ _continue }) =>
      _continue === undefined ? page([1, 2], 'b') : _continue === 'b' ? page([3], 'c') : page([4]),
    );
    expect(await listAll('numbers', call)).toEqual([1, 2, 3, 4]);
    expect(call.mock.calls.map(([args]) => args)).toEqual([
      { limit: 500 },
      { limit: 500, _continue: 'b' },
      { limit: 500, _continue: 'c' },
    ]);
  });

  it('restarts the list once when a continue token has expired (410), keeping no half-read items', async () => {
    let calls = 0;
    const call = vi.fn<Call>(async ({ _continue }) => {
      calls++;
      if (calls === 2) throw new ApiException(410, 'Expired', {}, {});
      return _continue === undefined ? page([calls], 'next') : page([10]);
    });
    expect(await listAll('numbers', call)).toEqual([3, 10]);
  });

  it('reports a second expiry as a read error naming the list', async () => {
    const call = vi.fn<Call>(async ({ _continue }) => {
      if (_continue !== undefined) throw new ApiException(410, 'Expired', {}, {});
      return page([1], 'next');
    });
    await expect(listAll('Services', call)).rejects.toThrow(ClusterReadError);
    await expect(listAll('Services', call)).rejects.toThrow(/cannot list Services/);
  });
});
