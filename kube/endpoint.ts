// An API server as a raw reader needs it: address, TLS material and headers, with no Kubernetes client
// loaded. Held in memory only; never logged, never put in a workflow input or a file.

/** TLS settings for the API server connection (the kubeconfig's, resolved to bytes). */
export interface EndpointTls {
  ca?: Buffer | undefined;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
  /** false with `insecure-skip-tls-verify`; unset = verify (Node's default). */
  rejectUnauthorized?: boolean | undefined;
  /** The kubeconfig's `tls-server-name`. */
  servername?: string | undefined;
}

/** Where an API server is and how to authenticate to it. */
export interface ClusterEndpoint {
  /** The name reports and task queues use: the kubeconfig context (as kube/client.ts clusterName). */
  name: string;
  /** Base URL, e.g. https://127.0.0.1:6443 (a path prefix is kept). */
  server: string;
  tls: EndpointTls;
  /** Authorization (bearer token or basic) and any other header the identity needs. */
  headers: Record<string, string>;
  /** The kubeconfig's `proxy-url`, if any. */
  proxyUrl?: string | undefined;
  /** Idle deadline of one request: no byte for this long fails it (retryable). */
  requestTimeoutMs: number;
}

/** How long one API request may go without an answer byte before it fails as a retryable timeout. */
export const defaultKubeRequestTimeoutMs = 30_000;
