import { describe, expect, it, vi } from 'vitest';
import { ClusterReadError, listAll, type Page } from '../../kube/read-cluster.js';
import { KubeResponseError } from '../../kube/raw-get.js';

// listAll against a stub list call: pages are followed to the end, an expired token restarts once.
type Call = (page: { limit: number; continue?: string }) => Promise<Page<number>>;

const page = (items: number[], token?: string): Page<number> => ({ items, metadata: { continue: token } });

describe('listAll', () => {
  it('asks 500 at a time and follows continue tokens until the last page', async () => {
    const call = vi.fn<Call>(async ({ continue: token }) =>
      token === undefined ? page([1, 2], 'b') : token === 'b' ? page([3], 'c') : page([4]),
    );
    expect(await listAll('numbers', call)).toEqual([1, 2, 3, 4]);
    expect(call.mock.calls.map(([args]) => args)).toEqual([
      { limit: 500 },
      { limit: 500, continue: 'b' },
      { limit: 500, continue: 'c' },
    ]);
  });

  it('restarts the list once when a continue token has expired (410), keeping no half-read items', async () => {
    let calls = 0;
    const call = vi.fn<Call>(async ({ continue: token }) => {
      calls++;
      if (calls === 2) throw new KubeResponseError(410, '{"kind":"Status","code":410,"message":"Expired"}');
      return token === undefined ? page([calls], 'next') : page([10]);
    });
    expect(await listAll('numbers', call)).toEqual([3, 10]);
  });

  it('reports a second expiry as a read error naming the list', async () => {
    const call = vi.fn<Call>(async ({ continue: token }) => {
      if (token !== undefined) throw new KubeResponseError(410, '{"kind":"Status","code":410,"message":"Expired"}');
      return page([1], 'next');
    });
    await expect(listAll('Services', call)).rejects.toThrow(ClusterReadError);
    await expect(listAll('Services', call)).rejects.toThrow(/cannot list Services/);
  });
});
