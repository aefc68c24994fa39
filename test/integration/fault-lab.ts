// The fault proxy in front of the lab's API server: a kubeconfig of its own (cluster and context
// "fault-proxy", so its task queue and change slot are not the lab's), served over TLS the lab CA
// signed. The admin token stays in the proxy's memory; the kubeconfig written holds no credential.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { ensureWebhookTls } from '../../lab/pki.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { labToken } from './fix-helpers.js';
import { lab } from './helpers.js';

/** The context (and so the cluster name) a worker behind the proxy serves. */
export const proxiedCluster = 'fault-proxy';

/** The proxy and the kubeconfig that reaches the lab through it. */
export interface ProxiedLab {
  proxy: FaultProxy;
  kubeconfig: string;
  context: string;
  close(): Promise<void>;
}

function labServer(): string {
  const config = parse(readFileSync(lab().kubeconfig, 'utf8')) as {
    clusters: { name: string; cluster: { server: string } }[];
  };
  return config.clusters.find((entry) => entry.name === 'metallb-lab')!.cluster.server;
}

/** Starts the proxy in front of the lab's API server and writes the kubeconfig that goes through it. */
export async function startProxiedLab(): Promise<ProxiedLab> {
  const tls = ensureWebhookTls(lab().stateDir);
  const proxy = await startFaultProxy({
    upstream: labServer(),
    tls: { cert: readFileSync(tls.servingCert, 'utf8'), key: readFileSync(tls.servingKey, 'utf8') },
    upstreamHeaders: { authorization: `Bearer ${labToken()}` },
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fault-proxy-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  const user = 'through-fault-proxy';
  writeFileSync(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: proxiedCluster, cluster: { server: proxy.url, 'certificate-authority': tls.caCert } }],
      users: [{ name: user, user: {} }],
      contexts: [{ name: proxiedCluster, context: { cluster: proxiedCluster, user } }],
      'current-context': proxiedCluster,
    }),
  );
  return {
    proxy,
    kubeconfig,
    context: proxiedCluster,
    async close() {
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
