import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { labStatus } from '../lab/status.js';
import { ClusterAccessError, type ClusterAccess } from '../kube/access.js';

/** The local lab's credentials (METALLB_LAB names which lab; default "default"). */
export function labClusterAccess(): ClusterAccess {
  const status = labStatus();
  if (!status.record || !status.processes.every((p) => p.running)) {
    throw new ClusterAccessError(`the local lab "${status.name}" is not running: start it with \`npm run lab -- up\``);
  }
  return { kubeconfig: status.record.kubeconfig };
}

/** True when nothing names a cluster: no flags, no $KUBECONFIG, no ~/.kube/config, not in a pod. */
export function noClusterGiven(access: ClusterAccess): boolean {
  return (
    !access.kubeconfig &&
    !access.context &&
    !process.env.KUBECONFIG &&
    !process.env.KUBERNETES_SERVICE_HOST &&
    !existsSync(path.join(os.homedir(), '.kube', 'config'))
  );
}
