import type { KubeConfig } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { diagnose } from '../domain/diagnose/index.js';
import { snapshotFromObjects } from '../domain/snapshot.js';
import { alertable, watchedFinding } from '../domain/watch/findings.js';
import type { WatchObserver } from '../domain/watch/observer.js';
import type { WatchedFinding } from '../domain/watch/types.js';
import { readCluster } from '../kube/read-cluster.js';

/** What a drift run asks for. */
export interface WatchDiagnosisRequest {
  cluster: string;
  intervalSeconds: number;
}

/** The findings at warning and above, as the watch tracks them. */
export interface WatchDiagnosis {
  findings: WatchedFinding[];
  diagnosedAt: string;
}

/** Log lines count for two intervals (at least a minute), so a logged error alerts once and then resolves. */
const logWindowSeconds = (intervalSeconds: number): number => Math.max(60, 2 * intervalSeconds);

/** Reads the cluster and diagnoses it, as `metallb-runbooks diagnose` does; read-only. */
export async function diagnoseForWatch(
  kc: KubeConfig,
  observer: WatchObserver,
  request: WatchDiagnosisRequest,
): Promise<WatchDiagnosis> {
  const now = new Date();
  try {
    const read = await readCluster(kc, { logSinceSeconds: logWindowSeconds(request.intervalSeconds) });
    const snapshot = snapshotFromObjects(read.objects, {
      collectedAt: now.toISOString(),
      source: 'cluster',
      logs: read.logs,
      logsSince: new Date(now.getTime() - logWindowSeconds(request.intervalSeconds) * 1000).toISOString(),
      ...(read.metallbNamespace ? { metallbNamespace: read.metallbNamespace } : {}),
    });
    const findings = alertable(diagnose(snapshot, { context: request.cluster }).findings);
    observer.diagnosed({ ...request, findings });
    return {
      findings: findings.map((finding) => watchedFinding(finding, now.toISOString())),
      diagnosedAt: now.toISOString(),
    };
  } catch (error) {
    observer.diagnosisFailed(request);
    // Unreachable or forbidden now may work next attempt (a restarting API server).
    const message = `cannot diagnose ${request.cluster}: ${(error as Error).message}`;
    throw ApplicationFailure.create({ message, type: 'KubeServerError', nonRetryable: false });
  }
}
