// Defect 14: under a node older than 24, bin/ runs the CLI as a child of the project's Node 24. `kill <pid>` of
// `metallb-runbooks worker` (what systemd, a supervisor or a harness does) must stop that child too, and the
// wrapper must exit as the child did, or a worker is left polling the cluster's queue with parent 1.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ownCluster, processesWith, startCliWorker, type OwnCluster } from './cli-helpers.js';
import { eventually } from './helpers.js';

/** The machine's own node when it is older than 24 (this machine's default is 20). */
const olderNode = (() => {
  const result = spawnSync('/usr/bin/node', ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return result.status === 0 && Number(result.stdout.split('.')[0]) < 24 ? '/usr/bin/node' : null;
})();

let cluster: OwnCluster | undefined;
afterEach(() => {
  // Whatever the outcome, leave no worker of this test behind.
  if (!cluster) return;
  for (const pid of processesWith(cluster.context)) process.kill(pid, 'SIGKILL');
  cluster.remove();
  cluster = undefined;
});

describe.runIf(olderNode)('a signal to the bin under an older node reaches the worker it runs', () => {
  const cases: { signal: NodeJS.Signals; outcome: string; exit: { code: number; signal: null } }[] = [
    { signal: 'SIGTERM', outcome: 'stops gracefully (exit 0)', exit: { code: 0, signal: null } },
    { signal: 'SIGINT', outcome: 'stops gracefully (exit 0)', exit: { code: 0, signal: null } },
    { signal: 'SIGHUP', outcome: 'is killed by it (exit 128+1)', exit: { code: 129, signal: null } },
  ];
  it.each(cases)(
    '$signal to the wrapper: the Node 24 worker $outcome, the wrapper exits the same',
    async ({ signal, exit }) => {
      cluster = ownCluster('cli-signal');
      const worker = await startCliWorker(cluster, olderNode!);
      const workerPids = processesWith(cluster.context).filter((pid) => pid !== worker.process.pid);
      expect(workerPids).toHaveLength(1);
      worker.process.kill(signal);
      const exited = await worker.exited;
      await eventually('the Node 24 worker to be gone', () =>
        existsSync(`/proc/${workerPids[0]}`) ? undefined : true,
      );
      expect(processesWith(cluster.context)).toEqual([]);
      expect(exited).toEqual(exit);
      if (exit.code === 0) expect(worker.output()).toContain(`worker for ${cluster.context} stopped`);
    },
  );

  it('Ctrl-C (SIGINT to the process group): the worker gets it twice and still stops gracefully', async () => {
    cluster = ownCluster('cli-ctrlc');
    const worker = await startCliWorker(cluster, olderNode!, true);
    process.kill(-worker.process.pid!, 'SIGINT');
    const exited = await worker.exited;
    await eventually('the Node 24 worker to be gone', () =>
      processesWith(cluster!.context).length ? undefined : true,
    );
    expect(worker.output()).toContain(`worker for ${cluster.context} stopped`);
    expect(exited).toEqual({ code: 0, signal: null });
  });
});
