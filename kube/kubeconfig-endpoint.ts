// A loaded KubeConfig as a raw endpoint: client-node resolves the credentials (files, exec plugins,
// in-cluster tokens) and raw-get.ts makes the requests.
import type { KubeConfig } from '@kubernetes/client-node';
import type { RequestOptions } from 'node:https';
import { clusterName, requestTimeoutOf } from './client.js';
import type { ClusterEndpoint } from './endpoint.js';

/** TLS material as client-node hands it (a Buffer, a string, or a list of them) as one Buffer. */
function asBuffer(value: unknown): Buffer | undefined {
  if (value === undefined || value === null) return undefined;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value);
  if (Array.isArray(value)) return Buffer.concat(value.map((part) => asBuffer(part) ?? Buffer.alloc(0)));
  return undefined;
}

const headerText = (value: number | string | readonly string[]): string =>
  typeof value === 'number' ? String(value) : typeof value === 'string' ? value : value.join(', ');

/** The endpoint `kc`'s current context names, with the credentials its user resolves to now. */
export async function endpointFromKubeConfig(kc: KubeConfig): Promise<ClusterEndpoint> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('no cluster configured: pass --kubeconfig/--context or set KUBECONFIG');
  const options: RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {}))
    if (value !== undefined) headers[name] = headerText(value);
  if (options.auth) headers['Authorization'] = `Basic ${Buffer.from(options.auth).toString('base64')}`;
  return {
    name: clusterName(kc),
    server: cluster.server,
    tls: {
      ca: asBuffer(options.ca),
      cert: asBuffer(options.cert),
      key: asBuffer(options.key),
      rejectUnauthorized: options.rejectUnauthorized,
      servername: options.servername,
    },
    headers,
    proxyUrl: cluster.proxyUrl,
    requestTimeoutMs: requestTimeoutOf(kc),
  };
}
