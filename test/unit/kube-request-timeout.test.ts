// A stalled API server fails a call at the request deadline (retryable), rather than holding it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { withRequestTimeout } from '../../kube/client.js';
import { classifyKubeError } from '../../domain/kube-errors.js';

let server: http.Server;
let url: string;

beforeAll(async () => {
  // Answers /api/v1/namespaces/fast at once; holds every other request until the client leaves.
  server = http.createServer((request, response) => {
    if (request.url?.endsWith('/fast'))
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"metadata":{"name":"fast"}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'not-a-secret' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return kc;
}

describe('withRequestTimeout', () => {
  it('a request the server never answers fails at the deadline as a retryable network failure', async () => {
    const core = withRequestTimeout(kubeConfig(), 200).makeApiClient(CoreV1Api);
    const failure = await core.readNamespace({ name: 'stalled' }).then(
      () => null,
      (error: unknown) => classifyKubeError(error),
    );
    expect(failure).toMatchObject({ type: 'KubeNetwork', retryable: true });
  });

  it('each request gets its own deadline: calls after the first still succeed', async () => {
    const core = withRequestTimeout(kubeConfig(), 500).makeApiClient(CoreV1Api);
    for (let call = 0; call < 3; call++) {
      expect((await core.readNamespace({ name: 'fast' })).metadata?.name).toBe('fast');
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  });
});
