// Every failure type a runbook can end with, in one table: whether retrying can help and what it means.
// Activity retry policies derive their non-retryable list from it, so a new type cannot be forgotten there.

/** One row of the table: whether a retry can succeed, and the meaning in an operator's words. */
export interface FailureTypeInfo {
  retryable: boolean;
  meaning: string;
}

/** The failure types, by the `type` an ApplicationFailure carries. */
export const failureTypes = {
  // Kubernetes API answers (see domain/kube-errors.ts for how an error is classified).
  KubeBadRequest: { retryable: false, meaning: 'the API server rejected the request as malformed (400)' },
  KubeUnauthorized: { retryable: false, meaning: 'the credentials were not accepted (401)' },
  KubeForbidden: { retryable: false, meaning: 'RBAC forbids this identity the request (403)' },
  KubeNotFound: { retryable: false, meaning: 'the object or API does not exist (404)' },
  KubeRequestTimeout: { retryable: true, meaning: 'the API server timed the request out (408)' },
  KubeConflict: { retryable: true, meaning: 'the object changed or already exists (409)' },
  KubeGone: { retryable: false, meaning: 'the resourceVersion is too old (410)' },
  KubeInvalid: { retryable: false, meaning: 'the API server or a webhook rejected the object (422)' },
  KubePatchTestFailed: {
    retryable: true,
    meaning: 'a JSON patch no longer applies (a test op failed, a path is gone; 422): re-read and retried',
  },
  KubeTooEarly: { retryable: true, meaning: 'the API server is not ready for the request yet (425)' },
  KubeTooManyRequests: { retryable: true, meaning: 'the API server is throttling (429)' },
  KubeHttpError: { retryable: false, meaning: 'another 4xx answer that a retry would get again' },
  KubeServerError: { retryable: true, meaning: 'the API server failed (5xx)' },
  KubeNetwork: { retryable: true, meaning: 'the connection failed, was reset or timed out' },
  KubeTls: { retryable: false, meaning: 'TLS or certificate verification failed; it will fail the same way again' },
  KubeClientError: { retryable: false, meaning: 'the request could not be made (a defect, not the cluster)' },
  // Runbook verdicts.
  MetallbNotFound: { retryable: false, meaning: 'no MetalLB controller Deployment (or speaker DaemonSet) found' },
  RolloutFailed: { retryable: false, meaning: 'the rollout failed or cannot progress' },
  VerificationFailed: { retryable: false, meaning: 'a check after the change found the cluster not as intended' },
  DeadlineExceeded: { retryable: false, meaning: 'an observed condition did not hold before its deadline' },
  ConfigObjectDiffers: { retryable: false, meaning: 'an object exists with a spec other than the backup' },
  ConfigObjectChanged: {
    retryable: false,
    meaning: 'the object is no longer the one backed up (re-created in between); it was left untouched',
  },
  ServiceNotOrphaned: { retryable: false, meaning: 'the Service named is healthy; cleanup-orphans refuses it' },
  RunbookStepFailed: { retryable: false, meaning: 'a step failed for a reason without a type of its own' },
  PeerPasswordMissing: {
    retryable: false,
    meaning: "a BGPPeer had an inline password, but neither the live peer nor this run's stash holds it",
  },
  RestartRefused: {
    retryable: false,
    meaning: 'the workload cannot be rolled (an OnDelete DaemonSet); nothing written',
  },
  PinRefused: {
    retryable: false,
    meaning: '--recreate refused before any write: no pin this MetalLB reads, or too little run time left',
  },
  PinFailed: { retryable: false, meaning: 'pinning or unpinning the Service IPs failed before any delete' },
  RecreateFailedRestored: { retryable: false, meaning: 'the re-create failed and the backup was restored' },
  RestoreFailed: { retryable: false, meaning: 'the re-create failed and restoring the backup failed too' },
  // apply.
  PlanRefused: {
    retryable: false,
    meaning: 'the change is invalid or unsafe against the live cluster; nothing written',
  },
  PlanDrifted: {
    retryable: false,
    meaning: 'the cluster changed since the plan was made (at approval); nothing written, plan again',
  },
  ChangeRejected: { retryable: false, meaning: 'the change was rejected at its approval gate; nothing written' },
  ApprovalTimedOut: { retryable: false, meaning: 'nobody approved the change in time; nothing written' },
  ApplyRolledBack: {
    retryable: false,
    meaning: 'a step or its verification failed; the backup and the old Service IPs were restored',
  },
  RollbackFailed: { retryable: false, meaning: 'a step failed and rolling back to the backup did not fully succeed' },
} as const satisfies Record<string, FailureTypeInfo>;

/** A failure type name from the table. */
export type FailureType = keyof typeof failureTypes;

/** Whether a string names a failure type of the table. */
export const isFailureType = (type: string): type is FailureType => Object.hasOwn(failureTypes, type);

/** The types a retry cannot fix: every activity retry policy lists these as non-retryable. */
export const nonRetryableFailureTypes: FailureType[] = (Object.keys(failureTypes) as FailureType[]).filter(
  (type) => !failureTypes[type].retryable,
);
