import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

/**
 * Where a worker or the CLI gets its credentials. Workflow inputs only ever carry the cluster's
 * name; the credentials stay with the process that holds them.
 */
export interface ClusterAccess {
  /** Path to a kubeconfig; default: $KUBECONFIG, then ~/.kube/config, then in-cluster. */
  kubeconfig?: string | undefined;
  context?: string | undefined;
}

export class ClusterAccessError extends Error {}

export function loadKubeConfig(access: ClusterAccess = {}): KubeConfig {
  const kc = new KubeConfig();
  if (access.kubeconfig) {
    if (!existsSync(access.kubeconfig)) throw new ClusterAccessError(`kubeconfig ${access.kubeconfig} does not exist`);
    kc.loadFromFile(access.kubeconfig);
  } else if (!process.env.KUBECONFIG && process.env.KUBERNETES_SERVICE_HOST) {
    kc.loadFromCluster();
  } else {
    kc.loadFromDefault();
  }
  if (access.context) {
    if (!kc.getContextObject(access.context)) {
      const known =
        kc
          .getContexts()
          .map((c) => c.name)
          .join(', ') || 'none';
      throw new ClusterAccessError(`context "${access.context}" is not in the kubeconfig (contexts: ${known})`);
    }
    kc.setCurrentContext(access.context);
  }
  if (!kc.getCurrentCluster())
    throw new ClusterAccessError('no cluster configured: pass --kubeconfig/--context or set KUBECONFIG');
  return kc;
}

/** How long one API request (answer and body) may take before it fails as a retryable timeout. */
export const defaultKubeRequestTimeoutMs = 30_000;

/**
 * Gives every request made through `kc`'s API clients a deadline (a signal of its own is kept): a
 * stalled API server then fails the call, which the activity retries, instead of holding the
 * activity until its start-to-close timeout. Watches set their own signal and are not affected.
 */
export function withRequestTimeout(kc: KubeConfig, timeoutMs: number = defaultKubeRequestTimeoutMs): KubeConfig {
  const authenticate = kc.applySecurityAuthentication.bind(kc);
  kc.applySecurityAuthentication = async (context) => {
    await authenticate(context);
    if (!context.getSignal()) context.setSignal(AbortSignal.timeout(timeoutMs));
  };
  return kc;
}

/** The name a cluster goes by in task queues, workflow ids and reports: the context name. */
export function clusterName(kc: KubeConfig): string {
  return kc.getCurrentContext() || kc.getCurrentCluster()?.name || 'in-cluster';
}
