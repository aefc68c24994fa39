// A fault-injecting proxy on loopback between a worker and the lab's API server. It terminates
// TLS with a certificate the lab CA signed (the worker verifies it), forwards each request with the
// worker's own credentials (it holds none), and breaks the requests its rules pick (fault-rules.ts).
import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { ArmedRule, describeRequest, firstFiring, statusBody, type FaultKind, type FaultRule } from './fault-rules.js';

/** Where the proxy forwards to, and the TLS it serves (none: plain HTTP, for unit tests). */
export interface FaultProxyOptions {
  /** The API server, e.g. https://127.0.0.1:6443. */
  upstream: string;
  /** PEM certificate and key to serve; omitted, the proxy speaks plain HTTP. */
  tls?: { cert: string; key: string };
  /** The upstream's CA; omitted, its certificate is not verified (the lab's API server self-signs). */
  upstreamCa?: string;
  /** Headers set on every forwarded request (the credentials, kept in memory only). */
  upstreamHeaders?: Record<string, string>;
}

/** One request the proxy saw. */
export interface ProxiedRequest {
  method: string;
  path: string;
  fault: FaultKind | null;
}

/** A running proxy. */
export interface FaultProxy {
  /** https://127.0.0.1:<port> (or http://). */
  url: string;
  /** Replaces the rules (counts start again from zero). */
  arm(rules: readonly FaultRule[]): void;
  /** Faults injected since the last arm(), by kind. */
  injected(): Partial<Record<FaultKind, number>>;
  /** Every request since the last arm(). */
  requests(): readonly ProxiedRequest[];
  close(): Promise<void>;
}

const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'host',
]);

function endToEnd(headers: http.IncomingHttpHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !hopByHop.has(name.toLowerCase())));
}

const statusFaults: Partial<Record<FaultKind, { code: number; reason: string }>> = {
  'status-500': { code: 500, reason: 'InternalError' },
  'status-503': { code: 503, reason: 'ServiceUnavailable' },
  'throttle-429': { code: 429, reason: 'TooManyRequests' },
  'conflict-409': { code: 409, reason: 'Conflict' },
};

/** Answers for the API server without forwarding: the request never reaches it. */
function answerInstead(rule: FaultRule, request: IncomingMessage, response: ServerResponse): void {
  const { code, reason } = statusFaults[rule.fault]!;
  const message =
    rule.fault === 'conflict-409'
      ? 'Operation cannot be fulfilled (fault proxy): the object has been modified; please apply your changes ' +
        'to the latest version and try again'
      : `fault proxy: injected ${code} for ${request.method} ${request.url}`;
  const headers: OutgoingHttpHeaders = { 'content-type': 'application/json' };
  if (rule.fault === 'throttle-429') headers['retry-after'] = String(rule.retryAfterSeconds ?? 1);
  request.resume();
  request.on('end', () => response.writeHead(code, headers).end(statusBody(code, reason, message)));
}

type OnAnswer = (upstream: IncomingMessage, response: ServerResponse) => void;

const passThrough: OnAnswer = (upstream, response) => {
  response.writeHead(upstream.statusCode ?? 502, endToEnd(upstream.headers));
  upstream.pipe(response);
};

/** The whole answer read, then headers promising all of it and half the body sent before the connection drops. */
const resetMidBody: OnAnswer = (upstream, response) => {
  const chunks: Buffer[] = [];
  upstream.on('data', (chunk: Buffer) => chunks.push(chunk));
  upstream.on('end', () => {
    const body = Buffer.concat(chunks);
    const headers = { ...endToEnd(upstream.headers), 'content-length': String(body.length) };
    response.writeHead(upstream.statusCode ?? 502, headers);
    response.write(body.subarray(0, Math.max(1, Math.floor(body.length / 2))), () => response.socket?.destroy());
  });
};

/** A streamed answer cut after its first chunk. */
const cutStream: OnAnswer = (upstream, response) => {
  response.writeHead(upstream.statusCode ?? 502, endToEnd(upstream.headers));
  upstream.once('data', (chunk: Buffer) => {
    const first = chunk.subarray(0, Math.max(1, Math.min(chunk.length - 1, 64)));
    response.write(first, () => {
      upstream.destroy();
      response.socket?.destroy();
    });
  });
};

/** The answer read (so a write completes on the server) and withheld; the connection cut after `ms`. */
const stallFor =
  (ms: number): OnAnswer =>
  (upstream, response) => {
    upstream.resume();
    const timer = setTimeout(() => response.socket?.destroy(), ms);
    response.on('close', () => clearTimeout(timer));
  };

function onAnswerFor(rule: FaultRule | null): OnAnswer {
  switch (rule?.fault) {
    case 'reset-mid-body':
      return resetMidBody;
    case 'stream-cut':
      return cutStream;
    case 'stall':
      return stallFor(rule.stallMs ?? 10_000);
    default:
      return passThrough;
  }
}

/** A status fault answers instead of the API server; a slow one forwards late; the others forward now. */
function injectOrForward(fired: FaultRule | null, go: () => void, answer: () => void): void {
  if (fired && statusFaults[fired.fault]) answer();
  else if (fired?.fault === 'slow') setTimeout(go, fired.delayMs ?? 300);
  else go();
}

interface Upstream {
  url: URL;
  agent: http.Agent;
  headers: Record<string, string>;
}

function forward(upstream: Upstream, request: IncomingMessage, response: ServerResponse, onAnswer: OnAnswer): void {
  const transport = upstream.url.protocol === 'https:' ? https : http;
  const outgoing = transport.request({
    protocol: upstream.url.protocol,
    hostname: upstream.url.hostname,
    port: upstream.url.port,
    method: request.method,
    path: request.url,
    headers: { ...endToEnd(request.headers), ...upstream.headers, host: upstream.url.host },
    agent: upstream.agent,
  });
  outgoing.on('response', (answer) => onAnswer(answer, response));
  outgoing.on('error', (error) => {
    if (!response.headersSent) response.writeHead(502).end(`fault proxy: upstream failed: ${error.message}`);
    else response.socket?.destroy();
  });
  // A client that gives up (its timeout) ends the upstream request too.
  response.on('close', () => outgoing.destroy());
  request.pipe(outgoing);
}

/** Starts the proxy on 127.0.0.1 (a free port) with no rules armed. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const url = new URL(options.upstream);
  const agentOptions = { keepAlive: true, ca: options.upstreamCa, rejectUnauthorized: Boolean(options.upstreamCa) };
  const upstream: Upstream = {
    url,
    agent: url.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent({ keepAlive: true }),
    headers: options.upstreamHeaders ?? {},
  };
  let rules: ArmedRule[] = [];
  let seen: ProxiedRequest[] = [];
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    const fired = firstFiring(rules, describeRequest(method, path))?.rule ?? null;
    seen.push({ method, path, fault: fired?.fault ?? null });
    injectOrForward(
      fired,
      () => forward(upstream, request, response, onAnswerFor(fired)),
      () => answerInstead(fired!, request, response),
    );
  };
  const server = options.tls ? https.createServer(options.tls, handle) : http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    arm(next) {
      rules = next.map((rule) => new ArmedRule(rule));
      seen = [];
    },
    injected() {
      const counts: Partial<Record<FaultKind, number>> = {};
      for (const rule of rules) counts[rule.rule.fault] = (counts[rule.rule.fault] ?? 0) + rule.injected;
      return counts;
    },
    requests: () => seen,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      upstream.agent.destroy();
    },
  };
}
