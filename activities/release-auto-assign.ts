import { entryRef, type BackupEntry } from '../domain/runbooks/backup.js';
import { fieldManager } from '../domain/runbooks/names.js';
import { mergePatch, objectParams, type KubeApis } from '../kube/apis.js';
import { kubeCall } from '../kube/call.js';

/** Gives a re-created pool back the autoAssign of the backup (removing the field if it had none). */
export async function releaseAutoAssign(
  kube: KubeApis,
  entry: BackupEntry,
): Promise<{ ref: string; autoAssign: boolean | null }> {
  const original = (entry.manifest.spec as { autoAssign?: boolean } | undefined)?.autoAssign ?? null;
  const body = { spec: { autoAssign: original } };
  await kubeCall(`restore autoAssign of ${entryRef(entry)}`, () =>
    kube.custom.patchNamespacedCustomObject({ ...objectParams(entry), body, fieldManager }, mergePatch),
  );
  return { ref: entryRef(entry), autoAssign: original };
}
