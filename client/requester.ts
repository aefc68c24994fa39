// Who is asking, established at request time: the API server's answer for the caller's own
// credentials (SelfSubjectReview), the OS user and the Temporal client identity this CLI sends.
import os from 'node:os';
import type { Actor } from '../domain/audit/identity.js';
import { loadKubeConfig, type ClusterAccess } from '../kube/client.js';
import { whoAmI } from '../kube/whoami.js';
import { defaultRequestedBy } from './commands/fix.js';

/** The Temporal client identity this CLI process sends (recorded, never used to decide). */
export function cliTemporalIdentity(): string {
  return `${defaultRequestedBy()}@${os.hostname()}/metallb-runbooks-cli/${process.pid}`;
}

/** The caller as an actor; `label` is the name typed (--requested-by, --as) or the OS user. */
export async function establishActor(access: ClusterAccess, label: string): Promise<Actor> {
  let answer;
  try {
    answer = await whoAmI(loadKubeConfig(access));
  } catch (error) {
    answer = { identity: null, unknownBecause: `no credentials to ask the cluster: ${(error as Error).message}` };
  }
  return {
    kubernetes: answer.identity,
    kubernetesUnknownBecause: answer.unknownBecause,
    osUser: defaultRequestedBy(),
    temporalIdentity: cliTemporalIdentity(),
    label,
  };
}
