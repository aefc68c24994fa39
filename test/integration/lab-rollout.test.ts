import { describe, expect, it } from 'vitest';
import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { eventually, lab, labClients } from './helpers.js';
import { daemonSetRolloutStatus, deploymentRolloutStatus, restartPatch } from '../../domain/rollout.js';
import { readControllerState } from '../../lab/record.js';
import { isAlive } from '../../lab/processes.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const podNames = (pods: V1Pod[]) => pods.map((p) => p.metadata!.name!).sort();

async function pods(component: string): Promise<V1Pod[]> {
  const { core, namespace } = labClients();
  const list = await core.listNamespacedPod({ namespace, labelSelector: `app=metallb,component=${component}` });
  return list.items;
}

describe('rollout restart on the lab behaves like a real cluster', () => {
  it('restarts deployment/controller: rollout completes and the real controller process is replaced', async () => {
    const { apps, namespace } = labClients();
    const before = readControllerState(lab().stateDir)!;
    expect(before.running).toBe(true);
    const oldPods = podNames(await pods('controller'));
    const patched = await apps.patchNamespacedDeployment(
      { name: 'controller', namespace, body: restartPatch(`lab-test-${Date.now()}`) },
      mergePatch,
    );
    const generation = patched.metadata!.generation!;
    // `kubectl rollout status` semantics: observedGeneration caught up, all replicas updated and available.
    await eventually(
      'the controller rollout to complete',
      async () => {
        const d = await apps.readNamespacedDeployment({ name: 'controller', namespace });
        return (d.status?.observedGeneration ?? 0) >= generation && deploymentRolloutStatus(d).phase === 'done'
          ? d
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const newPods = await eventually(
      'old controller pods to be gone',
      async () => {
        const current = await pods('controller');
        return current.length === 1 && !oldPods.includes(current[0]!.metadata!.name!) ? current : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const after = await eventually(
      'the supervisor to run the controller as the new pod',
      () => {
        const state = readControllerState(lab().stateDir);
        return state?.running && state.podName === newPods[0]!.metadata!.name ? state : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(after.pid).not.toBe(before.pid);
    expect(after.podName).not.toBe(before.podName);
    expect(isAlive(before.pid!)).toBe(false);
    expect(isAlive(after.pid!)).toBe(true);
  });

  it('restarts daemonset/speaker: every fake node gets a new, ready speaker pod', async () => {
    const { apps, namespace } = labClients();
    const oldPods = podNames(await pods('speaker'));
    expect(oldPods).toHaveLength(lab().nodes.length);
    const patched = await apps.patchNamespacedDaemonSet(
      { name: 'speaker', namespace, body: restartPatch(`lab-test-${Date.now()}`) },
      mergePatch,
    );
    const generation = patched.metadata!.generation!;
    const done = await eventually(
      'the speaker rollout to complete',
      async () => {
        const ds = await apps.readNamespacedDaemonSet({ name: 'speaker', namespace });
        return (ds.status?.observedGeneration ?? 0) >= generation && daemonSetRolloutStatus(ds).phase === 'done'
          ? ds
          : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(done.status?.updatedNumberScheduled).toBe(lab().nodes.length);
    const current = await eventually(
      'only new speaker pods, one per node',
      async () => {
        const now = await pods('speaker');
        const fresh = now.filter((p) => !oldPods.includes(p.metadata!.name!) && !p.metadata?.deletionTimestamp);
        return now.length === lab().nodes.length && fresh.length === now.length ? now : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(current.map((p) => p.spec?.nodeName).sort()).toEqual([...lab().nodes].sort());
    for (const pod of current) {
      expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    }
  });
});
