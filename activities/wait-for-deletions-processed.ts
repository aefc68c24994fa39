import { configReloadTimes } from '../domain/runbooks/log-check.js';
import { entryRef, type BackupEntry } from '../domain/runbooks/backup.js';
import { splitKey, metallbGroup, type KubeApis } from '../kube/apis.js';
import { kubeCall, orNullIfNotFound } from '../kube/call.js';
import { readPodLog } from './component-logs.js';
import { listPods } from '../kube/workload-pods.js';
import { pollUntil, type Observation } from './poll.js';

/** What waitForDeletionsProcessed waits for. */
export interface DeletionsWait {
  namespace: string;
  entries: BackupEntry[];
  /** Pinned and watched Services: with every pool gone, the controller clears their ingress. */
  services: string[];
  /** When the last delete returned. */
  deletedAt: string;
  /** False when only kinds the controller does not read were deleted (advertisements, peers). */
  controllerReads: boolean;
  deadline: string;
}

async function stillPresent(kube: KubeApis, w: DeletionsWait): Promise<string[]> {
  const plurals = [...new Set(w.entries.map((e) => `${e.plural}|${e.version}`))];
  const names = await Promise.all(
    plurals.map(async (key) => {
      const [plural, version] = key.split('|') as [string, string];
      const list = (await kubeCall(`list ${plural}`, () =>
        kube.custom.listNamespacedCustomObject({ group: metallbGroup, version, namespace: w.namespace, plural }),
      )) as {
        items?: { metadata?: { name?: string } }[];
      };
      return (list.items ?? []).map((i) => `${plural}/${i.metadata?.name}`);
    }),
  );
  const present = new Set(names.flat());
  return w.entries.filter((e) => present.has(`${e.plural}/${e.name}`)).map(entryRef);
}

async function servicesWithIngress(kube: KubeApis, services: string[]): Promise<string[]> {
  const held = await Promise.all(
    services.map(async (key) => {
      const svc = await orNullIfNotFound(
        kubeCall(`read Service ${key}`, () => kube.core.readNamespacedService(splitKey(key))),
      );
      return svc?.status?.loadBalancer?.ingress?.length ? key : null;
    }),
  );
  return held.filter((k): k is string => k !== null);
}

/** A "config reloaded" line the controller logged after the deletes (kubelet timestamps, ms). */
async function reloadAfter(kube: KubeApis, namespace: string, after: string): Promise<string | null> {
  const pods = (await listPods(kube, namespace, 'app=metallb,component=controller')).concat(
    await listPods(kube, namespace, 'app.kubernetes.io/name=metallb,app.kubernetes.io/component=controller'),
  );
  for (const pod of pods.filter((p) => !p.terminating)) {
    const text = await readPodLog(kube, namespace, pod.name, 'controller').catch(() => '');
    const time = configReloadTimes(text).find((t) => Date.parse(t) >= Date.parse(after));
    if (time) return `controller ${pod.name} logged "config reloaded" at ${time}`;
  }
  return null;
}

async function observe(kube: KubeApis, w: DeletionsWait): Promise<Observation<string>> {
  const present = await stillPresent(kube, w);
  if (present.length > 0) return { done: false, seen: `still present: ${present.join(', ')}` };
  if (!w.controllerReads) return { done: true, value: 'objects gone (the controller reads none of these kinds)' };
  if (w.services.length > 0) {
    const held = await servicesWithIngress(kube, w.services);
    if (held.length > 0) return { done: false, seen: `ingress not yet cleared on ${held.join(', ')}` };
    return { done: true, value: `the controller cleared the ingress of all ${w.services.length} pinned Service(s)` };
  }
  const reload = await reloadAfter(kube, w.namespace, w.deletedAt);
  return reload
    ? { done: true, value: reload }
    : { done: false, seen: `no "config reloaded" line after ${w.deletedAt}` };
}

/** Waits until the objects are gone and the controller has acted on it: an observation, not a sleep. */
export async function waitForDeletionsProcessed(kube: KubeApis, w: DeletionsWait): Promise<{ evidence: string }> {
  const what =
    'the controller to process the deletions (objects gone, pinned Services cleared or a "config reloaded" log line)';
  return { evidence: await pollUntil({ what, deadline: w.deadline, intervalMs: 250 }, () => observe(kube, w)) };
}
