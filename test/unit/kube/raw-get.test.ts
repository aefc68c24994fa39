// The raw GET reader against a loopback HTTP server that answers as an API server would, and fails as
// one can: every failure must reach kube-errors.ts in a shape it classifies as the real client's would.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyKubeError } from '../../../domain/kube-errors.js';
import { kubeGetter, type KubeGetter } from '../../../kube/raw-get.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;
const routes = new Map<string, Handler>();
let server: Server;
let getter: KubeGetter;

const failure = async (promise: Promise<unknown>) =>
  classifyKubeError(
    await promise.then(
      () => null,
      (e) => e,
    ),
  );

beforeAll(async () => {
  server = createServer((request, response) => {
    const route = routes.get(new URL(request.url!, 'http://x').pathname);
    if (route) route(request, response);
    else response.writeHead(404).end('{"kind":"Status","message":"the server could not find the requested resource"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  getter = kubeGetter({
    name: 'test',
    server: `http://127.0.0.1:${port}/prefix`,
    tls: {},
    headers: { Authorization: 'Bearer t0k' },
    requestTimeoutMs: 300,
  });
});

afterAll(() => {
  getter.close();
  server.close();
});

describe('kubeGetter', () => {
  it('sends the credentials and the query, and parses the JSON answer', async () => {
    let seen: { url?: string; authorization?: string } = {};
    routes.set('/prefix/api/v1/services', (request, response) => {
      seen = { url: request.url!, authorization: request.headers.authorization! };
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[{"a":1}]}');
    });
    expect(await getter.json('/api/v1/services', { limit: 500, labelSelector: 'a=b,c', skipped: undefined })).toEqual({
      items: [{ a: 1 }],
    });
    expect(seen).toEqual({
      url: '/prefix/api/v1/services?limit=500&labelSelector=a%3Db%2Cc',
      authorization: 'Bearer t0k',
    });
  });

  it('turns a Status answer into the class its code names, with the server message', async () => {
    routes.set('/prefix/forbidden', (_, response) =>
      response.writeHead(403).end('{"kind":"Status","code":403,"message":"services is forbidden: User cannot list"}'),
    );
    expect(await failure(getter.json('/forbidden'))).toMatchObject({
      type: 'KubeForbidden',
      retryable: false,
      message: 'services is forbidden: User cannot list',
    });
    routes.set('/prefix/busy', (_, response) => response.writeHead(429, { 'retry-after': '1' }).end('{}'));
    expect(await failure(getter.json('/busy'))).toMatchObject({ type: 'KubeTooManyRequests', retryable: true });
  });

  it('fails a body cut in the middle as a retryable network error', async () => {
    routes.set('/prefix/cut', (_, response) => {
      response.writeHead(200, { 'content-length': '1000' });
      response.write('{"items":[');
      setTimeout(() => response.socket?.destroy(), 20);
    });
    expect(await failure(getter.json('/cut'))).toMatchObject({ type: 'KubeNetwork', retryable: true });
  });

  it('fails an answer that stalls past the deadline as a retryable timeout', async () => {
    routes.set('/prefix/stall', () => undefined);
    expect(await failure(getter.text('/stall'))).toMatchObject({ type: 'KubeNetwork', retryable: true });
  });

  it('reports a refused connection as network, naming the code', async () => {
    const closed = kubeGetter({
      name: 'x',
      server: 'http://127.0.0.1:1',
      tls: {},
      headers: {},
      requestTimeoutMs: 1000,
    });
    try {
      expect(await failure(closed.json('/api'))).toMatchObject({ type: 'KubeNetwork', message: /ECONNREFUSED/ });
    } finally {
      closed.close();
    }
  });
});
