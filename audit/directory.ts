// Where audit records are kept when no --audit-dir is given: $METALLB_RUNBOOKS_AUDIT_DIR; beside a
// local lab's kubeconfig, the lab's own audit directory; else the user's state directory.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The audit directory for a worker or `history` run with this kubeconfig (null: the default one). */
export function defaultAuditDirectory(kubeconfig?: string | null, env: NodeJS.ProcessEnv = process.env): string {
  if (env.METALLB_RUNBOOKS_AUDIT_DIR) return path.resolve(env.METALLB_RUNBOOKS_AUDIT_DIR);
  if (kubeconfig) {
    const labDir = path.dirname(path.resolve(kubeconfig));
    if (existsSync(path.join(labDir, 'lab.json'))) return path.join(labDir, 'audit');
  }
  const stateHome = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(stateHome, 'metallb-runbooks', 'audit');
}
