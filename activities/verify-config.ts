import { entryRef, hasSecretFields, sameSpecAsBackup, type BackupEntry } from '../domain/runbooks/backup.js';
import { objectParams, type KubeApis } from '../kube/apis.js';
import { isNotFound, kubeCall, runbookFailure } from '../kube/call.js';

async function mismatch(kube: KubeApis, entry: BackupEntry): Promise<string | null> {
  try {
    const live = (await kubeCall(`read ${entryRef(entry)}`, () =>
      kube.custom.getNamespacedCustomObject(objectParams(entry)),
    )) as { spec?: unknown };
    if (!sameSpecAsBackup(entry, live.spec, entry.manifest.spec))
      return `${entryRef(entry)} has a spec different from the backup`;
    return hasSecretFields(entry, live.spec) ? null : `${entryRef(entry)} lost its inline password`;
  } catch (error) {
    if (isNotFound(error)) return `${entryRef(entry)} is missing`;
    throw error;
  }
}

/** Every backed-up object exists with exactly the backed-up spec (and, for a BGPPeer, its inline password). */
export async function verifyConfigMatchesBackup(
  kube: KubeApis,
  input: { entries: BackupEntry[] },
): Promise<{ checked: number }> {
  const problems = (await Promise.all(input.entries.map((e) => mismatch(kube, e)))).filter(
    (p): p is string => p !== null,
  );
  if (problems.length > 0)
    throw runbookFailure('VerificationFailed', `configuration differs from the backup: ${problems.join('; ')}`);
  return { checked: input.entries.length };
}
