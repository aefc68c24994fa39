// The watch's activities, bound to one cluster's credentials, a Temporal client (auto-fix starts runs) and the
// worker's metrics. Workflows import only the type.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import type { AutoFixAttempt } from '../domain/watch/types.js';
import type { WatchObserver } from '../domain/watch/observer.js';
import { readAutoFixOutcome, startAutoFix, type AutoFixRequest } from './auto-fix.js';
import { diagnoseForWatch, type WatchDiagnosisRequest } from './diagnose-for-watch.js';
import { outsideChangeFindings, type OutsideChangeRequest } from './outside-change-findings.js';
import { postToAlertmanager, postToSlack, postToWebhook, type AlertPost } from './post-alerts.js';

/** What the watch activities need from the worker. */
export interface WatchDependencies {
  kc: KubeConfig;
  /** Connected on first use: a worker that never runs an auto-fix opens no client connection. */
  temporalClient: () => Promise<Client>;
  observer: WatchObserver;
  /** The worker's audit directory: the config watch's records of changes made outside this tool. */
  auditDirectory: string;
}

/** The activities of workflows/drift-watch.ts. */
export function createWatchActivities({ kc, temporalClient, observer, auditDirectory }: WatchDependencies) {
  return {
    diagnoseForWatch: (request: WatchDiagnosisRequest) => diagnoseForWatch(kc, observer, request),
    outsideChangeFindings: (request: OutsideChangeRequest) => outsideChangeFindings(kc, auditDirectory, request),
    postToAlertmanager: (post: AlertPost & { url: string }) => postToAlertmanager(observer, post),
    postToWebhook: (post: AlertPost & { target: string }) => postToWebhook(observer, post),
    postToSlack: (post: AlertPost & { target: string }) => postToSlack(observer, post),
    startAutoFix: async (request: AutoFixRequest) => startAutoFix(await temporalClient(), request),
    readAutoFixOutcome: async (attempt: AutoFixAttempt) => readAutoFixOutcome(await temporalClient(), attempt),
  };
}

/** The watch activities' type, as workflows proxy them. */
export type WatchActivities = ReturnType<typeof createWatchActivities>;
