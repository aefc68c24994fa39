import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { labStatus } from '../../lab/lab.js';
import { labConfig } from '../../lab/config.js';
import { listDaemons, isAlive } from '../../lab/processes.js';
import { readControllerState } from '../../lab/record.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const name = 'test-lifecycle';
const npmLab = (...args: string[]) =>
  execFileSync('npm', ['run', '-s', 'lab', '--', '--name', name, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 600_000,
  });

/** Every live process whose command line mentions this lab's state directory. */
function processesUsing(stateDir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(stateDir) && isAlive(pid);
      } catch {
        return false;
      }
    });
}

describe('npm run lab -- up / down', () => {
  it('starts a second, separate lab and stops every one of its processes', () => {
    const stateDir = labConfig({ name }).stateDir;
    npmLab('down', '--wipe');
    const upOutput = npmLab('up');
    expect(upOutput).toContain('Temporal gRPC');
    const status = labStatus({ name });
    expect(status.processes.every((p) => p.running)).toBe(true);
    const controller = readControllerState(stateDir);
    expect(controller?.running).toBe(true);
    const pids = [...listDaemons(stateDir).map((d) => d.pid), controller!.pid!];
    expect(processesUsing(stateDir).length).toBeGreaterThanOrEqual(pids.length - 1);

    // `up` again is idempotent: same processes.
    npmLab('up');
    expect(labStatus({ name }).processes.map((p) => p.pid)).toEqual(status.processes.map((p) => p.pid));
    expect(readControllerState(stateDir)?.pid).toBe(controller!.pid);

    npmLab('down', '--wipe');
    for (const pid of pids) expect(isAlive(pid), `pid ${pid} still alive`).toBe(false);
    expect(processesUsing(stateDir)).toEqual([]);
  });
});
