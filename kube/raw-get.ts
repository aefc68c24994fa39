// Plain GETs against the API server with node:http(s) and the endpoint's credentials: what a read-only
// diagnosis needs, without loading @kubernetes/client-node (whose import alone costs more than the reads).
// Failures keep the shapes kube-errors.ts classifies: an answer is a KubeResponseError (code + Status
// body, like client-node's ApiException), a socket failure keeps Node's error code.
import type * as HttpModule from 'node:http';
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions } from 'node:https';
import { createRequire } from 'node:module';
import type { ClusterEndpoint } from './endpoint.js';

/** The API server answered with a status other than 2xx; `body` is its Status object as text. */
export class KubeResponseError extends Error {
  constructor(
    readonly code: number,
    readonly body: string,
  ) {
    super(`HTTP ${code}`);
  }
}

/** Query parameters; undefined values are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** GETs on one API server over a shared keep-alive connection pool; `close` ends the pool. */
export interface KubeGetter {
  /** The parsed JSON answer of GET path?query. */
  json(path: string, query?: Query): Promise<unknown>;
  /** The answer as text (pod logs: the API server refuses an Accept of text/plain there, so it asks for any). */
  text(path: string, query?: Query): Promise<string>;
  close(): void;
}

/** At most this many connections at once: each costs a TLS handshake, and 6 keep two dozen lists busy. */
const MAX_SOCKETS = 6;

// An ESM import of node:http builds its namespace from every export, which loads Node's bundled undici
// (about 40 ms at each start); require() does not, and only a plain-HTTP server needs the module.
const plainHttp = (): typeof HttpModule => createRequire(import.meta.url)('node:http') as typeof HttpModule;

function agentFor(endpoint: ClusterEndpoint): HttpAgent {
  const secure = new URL(endpoint.server).protocol === 'https:';
  const proxy = endpoint.proxyUrl ? { proxyEnv: { [secure ? 'HTTPS_PROXY' : 'HTTP_PROXY']: endpoint.proxyUrl } } : {};
  const common = { keepAlive: true, maxSockets: MAX_SOCKETS, ...proxy };
  if (!secure) return new (plainHttp().Agent)(common);
  const { ca, cert, key, rejectUnauthorized, servername } = endpoint.tls;
  const tls: AgentOptions = { ca, cert, key, servername };
  if (rejectUnauthorized !== undefined) tls.rejectUnauthorized = rejectUnauthorized;
  return new HttpsAgent({ ...common, ...tls });
}

function urlOf(server: string, path: string, query: Query = {}): URL {
  const url = new URL(server);
  url.pathname = `${url.pathname.replace(/\/$/, '')}${path}`;
  for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
  return url;
}

const timeoutError = (ms: number): Error =>
  Object.assign(new Error(`no answer from the API server for ${ms / 1000} s`), { code: 'ETIMEDOUT' });
const cutError = (): Error =>
  Object.assign(new Error('the API server closed the connection before the answer ended'), { code: 'ECONNRESET' });

/** Reads a whole response body; one that ends early (a reset mid-body) fails as ECONNRESET. */
function readBody(response: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('error', reject);
    response.on('close', () => (response.complete ? resolve(Buffer.concat(chunks)) : reject(cutError())));
  });
}

/** A getter for one endpoint; its connections stay open for the next GET until `close`. */
export function kubeGetter(endpoint: ClusterEndpoint): KubeGetter {
  const agent = agentFor(endpoint);
  const send = agent instanceof HttpsAgent ? httpsRequest : plainHttp().request;
  const headers = { ...endpoint.headers, 'User-Agent': 'metallb-runbooks' };
  const get = (path: string, query: Query | undefined, accept: string): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const request = send(urlOf(endpoint.server, path, query), { agent, headers: { ...headers, Accept: accept } });
      request.setTimeout(endpoint.requestTimeoutMs, () => request.destroy(timeoutError(endpoint.requestTimeoutMs)));
      request.on('error', reject);
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        readBody(response).then((body) => {
          if (status >= 200 && status < 300) resolve(body);
          else reject(new KubeResponseError(status, body.toString('utf8')));
        }, reject);
      });
      request.end();
    });
  return {
    json: async (path, query) => JSON.parse((await get(path, query, 'application/json')).toString('utf8')) as unknown,
    text: async (path, query) => (await get(path, query, '*/*')).toString('utf8'),
    close: () => agent.destroy(),
  };
}
