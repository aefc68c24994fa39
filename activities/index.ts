// The runbooks' activities, bound to one cluster's credentials. Workflows import only the type.
import type { KubeConfig } from '@kubernetes/client-node';
import type { BackupEntry } from '../domain/runbooks/backup.js';
import type { OrphanPlan } from '../domain/runbooks/orphans.js';
import type { ServicePin } from '../domain/runbooks/pins.js';
import { checkControllerLog, type ControllerLogCheck } from './check-controller-log.js';
import { checkChangeHealth, type ChangeHealthCheck } from './check-change-health.js';
import { checkSpeakers, type SpeakerCheck } from './check-speakers.js';
import { clearOrphanedIngress, type IngressClear } from './clear-orphaned-ingress.js';
import { createConfigObject, type CreateRequest } from './create-config-object.js';
import { deleteConfigObject } from './delete-config-object.js';
import { exportMetallbConfig } from '../kube/export-config.js';
import { findMetallbWorkloads } from '../kube/metallb-workloads.js';
import { findOrphanedServices, type OrphanSearch } from '../kube/orphaned-services.js';
import { kubeApis } from '../kube/apis.js';
import { readClusterFacts, type FactsScope } from '../kube/cluster-facts.js';
import { releaseAutoAssign } from './release-auto-assign.js';
import { releaseServiceRequest } from './release-service-request.js';
import { restartWorkload, type RestartRequest } from './restart-workload.js';
import { restoreConfigObject } from './restore-config-object.js';
import { rewriteConfigObject, type ObjectRef } from './rewrite-config-object.js';
import { planLiveChange, type LivePlanRequest } from './plan-live-change.js';
import { pinServiceIps, unpinServiceIps, type PinRequest } from './service-pins.js';
import { trimStoredVersions } from './trim-stored-versions.js';
import { verifyConfigMatchesBackup } from './verify-config.js';
import { waitForDeletionsProcessed, type DeletionsWait } from './wait-for-deletions-processed.js';
import { waitForServiceIpsInPools, type IpsInPoolsWait } from './wait-for-ips-in-pools.js';
import { waitForRolloutComplete, type RolloutWait } from './wait-for-rollout.js';
import { waitForServiceIps } from './wait-for-service-ips.js';
import { waitForChangeProcessed, type ChangeProcessedWait } from './wait-for-change-processed.js';
import { writeConfigObject, type ObjectWriteRequest } from './write-config-object.js';
import { keepAuditRecord, type AuditOptions } from './keep-audit-record.js';
import { keepAllAlive } from './keep-alive.js';
import type { AuditRecord } from '../domain/audit/record.js';

/** The activities of one cluster's worker: its credentials, and where it keeps audit records. */
export function createActivities(kc: KubeConfig, audit: AuditOptions) {
  const kube = kubeApis(kc);
  return keepAllAlive({
    findMetallbWorkloads: () => findMetallbWorkloads(kube),
    readClusterFacts: (scope: FactsScope) => readClusterFacts(kube, scope),
    restartWorkload: (request: RestartRequest) => restartWorkload(kube, request),
    waitForRolloutComplete: (wait: RolloutWait) => waitForRolloutComplete(kube, wait),
    checkControllerLog: (check: ControllerLogCheck) => checkControllerLog(kube, check),
    checkSpeakers: (check: SpeakerCheck) => checkSpeakers(kube, check),
    waitForServiceIpsInPools: (wait: IpsInPoolsWait) => waitForServiceIpsInPools(kube, wait),
    exportMetallbConfig: (input: { namespace: string }) => exportMetallbConfig(kube, input),
    rewriteConfigObject: (ref: ObjectRef) => rewriteConfigObject(kube, ref),
    trimStoredVersions: (input: { plural: string; namespace: string }) => trimStoredVersions(kube, input),
    pinServiceIps: (input: PinRequest) => pinServiceIps(kube, input),
    unpinServiceIps: (input: { services: string[]; marker: string }) => unpinServiceIps(kube, input),
    deleteConfigObject: (entry: BackupEntry) => deleteConfigObject(kube, entry),
    waitForDeletionsProcessed: (wait: DeletionsWait) => waitForDeletionsProcessed(kube, wait),
    createConfigObject: (request: CreateRequest) => createConfigObject(kube, request),
    releaseAutoAssign: (entry: BackupEntry) => releaseAutoAssign(kube, entry),
    waitForServiceIps: (input: { expected: ServicePin[]; deadline: string }) => waitForServiceIps(kube, input),
    restoreConfigObject: (request: CreateRequest) => restoreConfigObject(kube, request),
    verifyConfigMatchesBackup: (input: { entries: BackupEntry[] }) => verifyConfigMatchesBackup(kube, input),
    findOrphanedServices: (search: OrphanSearch) => findOrphanedServices(kube, search),
    releaseServiceRequest: (plan: OrphanPlan) => releaseServiceRequest(kube, plan),
    clearOrphanedIngress: (clear: IngressClear) => clearOrphanedIngress(kube, clear),
    planLiveChange: (request: LivePlanRequest) => planLiveChange(kc, request),
    writeConfigObject: (request: ObjectWriteRequest) => writeConfigObject(kube, request),
    waitForChangeProcessed: (wait: ChangeProcessedWait) => waitForChangeProcessed(kube, wait),
    checkChangeHealth: (check: ChangeHealthCheck) => checkChangeHealth(kc, kube, check),
    keepAuditRecord: (record: AuditRecord) => keepAuditRecord(audit, record),
  });
}

export type RunbookActivities = ReturnType<typeof createActivities>;
