// The fault proxy against a loopback upstream: what reaches the upstream and what the client sees
// (through undici's fetch, as @kubernetes/client-node calls), for each fault kind.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Agent, fetch } from 'undici';
import { ensureWebhookTls } from '../../../lab/pki.js';
import { classifyKubeError } from '../../../domain/kube-errors.js';
import { startFaultProxy, type FaultProxy } from '../../integration/fault-proxy.js';

const pools = '/apis/metallb.io/v1beta1/namespaces/ns/ipaddresspools';
const body = JSON.stringify({ items: Array.from({ length: 200 }, (_, index) => ({ name: `pool-${index}` })) });

let upstream: http.Server;
let upstreamUrl: string;
let received: string[] = [];
let proxy: FaultProxy;
let dispatcher: Agent;
let dir: string;

function serveUpstream(request: http.IncomingMessage, response: http.ServerResponse) {
  request.resume();
  request.on('end', () => {
    received.push(`${request.method} ${request.url}`);
    if (request.url?.includes('/log')) {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('line 1 of a long log\n'.repeat(20));
      const timer = setInterval(() => response.write('another line\n'), 20);
      response.on('close', () => clearInterval(timer));
      return;
    }
    response.writeHead(request.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' }).end(body);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fault-proxy-'));
  const tls = ensureWebhookTls(dir);
  upstream = http.createServer(serveUpstream);
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  proxy = await startFaultProxy({
    upstream: upstreamUrl,
    tls: { cert: readFileSync(tls.servingCert, 'utf8'), key: readFileSync(tls.servingKey, 'utf8') },
  });
  dispatcher = new Agent({ connect: { ca: readFileSync(tls.caCert, 'utf8') } });
});
afterAll(async () => {
  await proxy.close();
  await dispatcher.close();
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  received = [];
});

const call = (method: string, url: string, timeoutMs = 5_000) =>
  fetch(`${proxy.url}${url}`, {
    method,
    dispatcher,
    body: method === 'GET' ? undefined : '{}',
    signal: AbortSignal.timeout(timeoutMs),
  });

/** The error a full call (answer and body) ends with, as the kube error classification sees it. */
async function failureOf(method: string, url: string, timeoutMs?: number) {
  try {
    await (await call(method, url, timeoutMs)).text();
  } catch (error) {
    return classifyKubeError(error);
  }
  throw new Error('the call succeeded');
}

describe('the fault proxy', () => {
  it('with no rule armed, forwards over TLS the lab CA signed and passes the answer through', async () => {
    proxy.arm([]);
    const answer = await call('GET', pools);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe(body);
    expect(received).toEqual([`GET ${pools}`]);
    expect(proxy.requests()).toEqual([{ method: 'GET', path: pools, fault: null }]);
  });

  it('500 and 503 answer with a Status object; the request never reaches the API server', async () => {
    proxy.arm([
      { fault: 'status-500', match: { writes: true }, trigger: { nth: 1 } },
      { fault: 'status-503', match: { verbs: ['list'] }, trigger: { nth: 1 } },
    ]);
    const write = await call('POST', pools);
    expect(write.status).toBe(500);
    expect(await write.json()).toMatchObject({ kind: 'Status', code: 500, reason: 'InternalError' });
    expect((await call('GET', pools)).status).toBe(503);
    expect(received).toEqual([]);
    expect((await call('POST', pools)).status).toBe(201);
    expect(proxy.injected()).toEqual({ 'status-500': 1, 'status-503': 1 });
  });

  it('429 carries Retry-After; 409 says Conflict', async () => {
    proxy.arm([
      { fault: 'throttle-429', trigger: { nth: 1 }, retryAfterSeconds: 2 },
      { fault: 'conflict-409', match: { verbs: ['update'] }, trigger: { nth: 1 } },
    ]);
    const throttled = await call('GET', pools);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('2');
    const conflict = await call('PUT', `${pools}/a`);
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ reason: 'Conflict', code: 409 });
    expect(received).toEqual([]);
  });

  it('reset-mid-body: the write reaches the API server, its answer is cut (a retryable network failure)', async () => {
    proxy.arm([{ fault: 'reset-mid-body', match: { writes: true }, trigger: { nth: 1 } }]);
    const failure = await failureOf('POST', pools);
    expect(received).toEqual([`POST ${pools}`]);
    expect(failure).toMatchObject({ type: 'KubeNetwork', retryable: true });
    expect(proxy.injected()).toEqual({ 'reset-mid-body': 1 });
  });

  it('stream-cut: a log stream is cut after its first bytes', async () => {
    proxy.arm([{ fault: 'stream-cut', match: { subresource: 'log' }, trigger: { nth: 1 } }]);
    const failure = await failureOf('GET', '/api/v1/namespaces/ns/pods/p/log');
    expect(failure).toMatchObject({ type: 'KubeNetwork', retryable: true });
  });

  it('stall: the write is applied, the answer withheld past the client timeout (a retryable failure)', async () => {
    proxy.arm([{ fault: 'stall', match: { writes: true }, trigger: { nth: 1 }, stallMs: 3_000 }]);
    const failure = await failureOf('PATCH', `${pools}/a`, 300);
    expect(received).toEqual([`PATCH ${pools}/a`]);
    expect(failure).toMatchObject({ type: 'KubeNetwork', retryable: true });
  });

  it('slow: forwards after the delay', async () => {
    proxy.arm([{ fault: 'slow', trigger: { every: 1 }, delayMs: 200 }]);
    const sent = Date.now();
    const answer = await call('GET', pools);
    expect(await answer.text()).toBe(body);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(200);
    expect(proxy.injected()).toEqual({ slow: 1 });
  });
});
