// What `lab status` shows, without the lab's Kubernetes clients: the CLI's lab lookup loads only this.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { labConfig, type LabOptions } from './config.js';
import { runningDaemon } from './processes.js';
import { readControllerState, readLabRecord, type LabRecord } from './record.js';

/** Every process `up` starts, in start order; `down` stops them in reverse. */
export const labProcesses = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
  'temporal',
  'alertmanager',
  'metallb-supervisor',
];

/** A lab's processes, its controller and its record, as found on disk. */
export interface LabStatus {
  name: string;
  stateDir: string;
  processes: { name: string; pid: number | null; running: boolean }[];
  controller: ReturnType<typeof readControllerState>;
  record: LabRecord | undefined;
}

/** Reads a lab's status from its state directory (no API calls). */
export function labStatus(options: LabOptions = {}): LabStatus {
  const config = labConfig(options);
  return {
    name: config.name,
    stateDir: config.stateDir,
    processes: labProcesses.map((name) => {
      const running = runningDaemon(config.stateDir, name);
      return { name, pid: running?.pid ?? null, running: Boolean(running) };
    }),
    controller: readControllerState(config.stateDir),
    record: existsSync(path.join(config.stateDir, 'lab.json')) ? readLabRecord(config.stateDir) : undefined,
  };
}
