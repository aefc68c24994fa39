import { entryRef, type BackupEntry } from '../domain/runbooks/backup.js';
import { objectParams, type KubeApis } from '../kube/apis.js';
import { isNotFound, kubeCall } from '../kube/call.js';

/** Deletes one MetalLB config object; already gone counts as deleted, so a retry is harmless. */
export async function deleteConfigObject(
  kube: KubeApis,
  entry: BackupEntry,
): Promise<{ ref: string; deleted: boolean; at: string }> {
  try {
    await kubeCall(`delete ${entryRef(entry)}`, () => kube.custom.deleteNamespacedCustomObject(objectParams(entry)));
    return { ref: entryRef(entry), deleted: true, at: new Date().toISOString() };
  } catch (error) {
    if (isNotFound(error)) return { ref: entryRef(entry), deleted: false, at: new Date().toISOString() };
    throw error;
  }
}
