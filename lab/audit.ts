// The lab API server's audit log, kept to ServiceAccount requests only: the lab's own processes
// (controller-manager, kwok, MetalLB's controller, tests) act as lab-admin and stay out of it, so
// what is left is exactly what a worker running under a ServiceAccount token asked for.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

/** Where the policy and the log live in a lab's state directory. */
export interface LabAuditFiles {
  policyFile: string;
  logFile: string;
}

/** Metadata only (verb, resource, namespace, user, decision): never a request or response body. */
const auditPolicy = {
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: [{ level: 'Metadata', userGroups: ['system:serviceaccounts'] }, { level: 'None' }],
};

/** Writes the policy (every start, so a changed policy takes effect at the next API server start). */
export function writeAuditPolicy(stateDir: string): LabAuditFiles {
  const files = {
    policyFile: path.join(stateDir, 'audit-policy.yaml'),
    logFile: path.join(stateDir, 'logs', 'audit.log'),
  };
  mkdirSync(path.dirname(files.logFile), { recursive: true });
  writeFileSync(files.policyFile, stringify(auditPolicy));
  return files;
}

/** The kube-apiserver flags that turn the log on: JSON lines, written before the response is sent. */
export function auditFlags(files: LabAuditFiles): string[] {
  return [
    `--audit-policy-file=${files.policyFile}`,
    `--audit-log-path=${files.logFile}`,
    '--audit-log-format=json',
    '--audit-log-mode=blocking',
    '--audit-log-maxsize=50',
    '--audit-log-maxbackup=1',
  ];
}
