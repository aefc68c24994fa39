import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** What `lab up` decided, saved in the state dir for `status`, `env`, `down`, the supervisor and tests. */
export const LabRecordSchema = z.object({
  name: z.string(),
  stateDir: z.string(),
  kubeconfig: z.string(),
  apiServer: z.string(),
  namespace: z.string(),
  temporalAddress: z.string(),
  temporalUi: z.string(),
  temporalNamespace: z.string(),
  metallbVersion: z.string(),
  metallbBinary: z.string(),
  metallbArgs: z.array(z.string()),
  metallbHealthUrl: z.string().nullable(),
  kubernetesVersion: z.string(),
  nodes: z.array(z.string()),
});
export type LabRecord = z.infer<typeof LabRecordSchema>;

/** In `metallbArgs`, replaced by the supervisor with the pod the process runs as. */
export const podNamePlaceholder = '{pod}';

const recordFile = (stateDir: string) => path.join(stateDir, 'lab.json');

export function readLabRecord(stateDir: string): LabRecord {
  return LabRecordSchema.parse(JSON.parse(readFileSync(recordFile(stateDir), 'utf8')));
}

export function writeLabRecord(record: LabRecord): void {
  writeFileSync(recordFile(record.stateDir), JSON.stringify(record, null, 2));
}

/** The supervisor's view of the real controller process (written by lab/supervisor.ts). */
export const ControllerStateSchema = z.object({
  pid: z.number().nullable(),
  podName: z.string().nullable(),
  startedAt: z.string().nullable(),
  logFile: z.string().nullable(),
  restarts: z.number(),
  running: z.boolean(),
  supervisorPid: z.number(),
});
export type ControllerState = z.infer<typeof ControllerStateSchema>;

export function readControllerState(stateDir: string): ControllerState | undefined {
  try {
    return ControllerStateSchema.parse(JSON.parse(readFileSync(path.join(stateDir, 'controller.json'), 'utf8')));
  } catch {
    return undefined;
  }
}
