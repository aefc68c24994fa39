import { existsSync } from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterAccessError, type ClusterAccess } from './access.js';
import { defaultKubeRequestTimeoutMs } from './endpoint.js';

export { ClusterAccessError, type ClusterAccess } from './access.js';

/** Loads the kubeconfig the access names; a file that is missing or does not parse is a ClusterAccessError. */
function loadConfigFile(kc: KubeConfig, access: ClusterAccess): void {
  const source = access.kubeconfig ?? process.env.KUBECONFIG;
  const files = access.kubeconfig ? [access.kubeconfig] : (process.env.KUBECONFIG ?? '').split(path.delimiter);
  const missing = files.filter((file) => file && !existsSync(file));
  if (missing.length > 0)
    throw new ClusterAccessError(
      `kubeconfig ${missing.join(', ')} does not exist: pass an existing file with --kubeconfig` +
        (access.kubeconfig ? '' : ' (or fix $KUBECONFIG)'),
    );
  try {
    if (access.kubeconfig) kc.loadFromFile(access.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    const what = source ? `kubeconfig ${source}` : 'the default kubeconfig';
    throw new ClusterAccessError(`cannot load ${what}: ${(error as Error).message.split('\n')[0]}; fix the file`);
  }
}

function useContext(kc: KubeConfig, context: string): void {
  if (!kc.getContextObject(context)) {
    const known =
      kc
        .getContexts()
        .map((c) => c.name)
        .join(', ') || 'none';
    throw new ClusterAccessError(
      `context "${context}" is not in the kubeconfig (contexts: ${known}); pass one of them with --context`,
    );
  }
  kc.setCurrentContext(context);
}

export function loadKubeConfig(access: ClusterAccess = {}): KubeConfig {
  const kc = new KubeConfig();
  if (!access.kubeconfig && !process.env.KUBECONFIG && process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else loadConfigFile(kc, access);
  if (access.context) useContext(kc, access.context);
  if (!kc.getCurrentCluster())
    throw new ClusterAccessError('no cluster configured: pass --kubeconfig/--context or set KUBECONFIG');
  return kc;
}

export { defaultKubeRequestTimeoutMs } from './endpoint.js';

/** The deadline withRequestTimeout gave a KubeConfig, for readers that make their own requests (raw-get.ts). */
const requestTimeouts = new WeakMap<KubeConfig, number>();

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
  requestTimeouts.set(kc, timeoutMs);
  return kc;
}

/** The request deadline withRequestTimeout set on `kc`, else the default. */
export function requestTimeoutOf(kc: KubeConfig): number {
  return requestTimeouts.get(kc) ?? defaultKubeRequestTimeoutMs;
}

/** The name a cluster goes by in task queues, workflow ids and reports: the context name. */
export function clusterName(kc: KubeConfig): string {
  return kc.getCurrentContext() || kc.getCurrentCluster()?.name || 'in-cluster';
}
