// A second person on the lab: lab-operator (a static token of the lab's API server). Its kubeconfig
// names the same context as the admin's, so the CLI addresses the same cluster (and task queue).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { labUsers } from '../../lab/pki.js';
import { cluster } from './fix-helpers.js';
import { lab } from './helpers.js';

interface Kubeconfig {
  users: { name: string; user: { token?: string } }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  'current-context': string;
}

/** A kubeconfig whose context `metallb-lab` authenticates as lab-operator; written once per call. */
export function operatorKubeconfig(): string {
  const config = parse(readFileSync(lab().kubeconfig, 'utf8')) as Kubeconfig;
  const user = labUsers.operator.user;
  const ours = config.users.find((entry) => entry.name === user);
  if (!ours?.user.token) throw new Error(`the lab's kubeconfig has no ${user}: recreate the lab (npm run lab -- down)`);
  const contexts = [{ name: cluster, context: { cluster: 'metallb-lab', user } }];
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'operator-')), 'kubeconfig');
  writeFileSync(file, stringify({ ...config, users: [ours], contexts, 'current-context': cluster }), { mode: 0o600 });
  return file;
}
