// What names a cluster's credentials, without loading a Kubernetes client.

/**
 * Where a worker or the CLI gets its credentials. Workflow inputs only ever carry the cluster's
 * name; the credentials stay with the process that holds them.
 */
export interface ClusterAccess {
  /** Path to a kubeconfig; default: $KUBECONFIG, then ~/.kube/config, then in-cluster. */
  kubeconfig?: string | undefined;
  context?: string | undefined;
}

/** The credentials named cannot be used (no file, no such context, a file that does not parse): exit 2. */
export class ClusterAccessError extends Error {
  readonly exitCode = 2;
}
