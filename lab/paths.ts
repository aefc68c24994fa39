import os from 'node:os';
import path from 'node:path';

/** Built binaries, shared by every checkout and CI run on this machine (outside the checkout). */
export function labCacheDir(): string {
  return process.env.METALLB_RUNBOOKS_CACHE ?? path.join(os.homedir(), '.cache', 'metallb-runbooks');
}

/** Runtime state of one named lab: data directories, PKI, kubeconfig, logs, pid files. */
export function labStateDir(labName: string): string {
  const base = process.env.METALLB_RUNBOOKS_STATE ?? path.join(os.homedir(), '.local', 'state', 'metallb-runbooks');
  return path.join(base, labName);
}
