import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const EndpointSchema = z.union([z.object({ port: z.number().int() }), z.object({ socket: z.string() })]);
/** One TCP-to-socket (or socket-to-TCP) forward of lab/bridge.ts. */
export const ForwardSchema = z.object({ listen: EndpointSchema, target: EndpointSchema });

/**
 * The controller runs in its own user + network namespace (MetalLB's webhook port 9443 is fixed, so
 * each lab needs its own loopback); these forwards cross it over Unix sockets in `socketDir`.
 */
export const ControllerIsolationSchema = z.object({
  socketDir: z.string(),
  /** Run by the supervisor on the host: the API server socket in, the webhook/metrics/health ports out. */
  hostForwards: z.array(ForwardSchema),
  /** Run inside the namespace, next to the controller. */
  namespaceForwards: z.array(ForwardSchema),
});
export type ControllerIsolation = z.infer<typeof ControllerIsolationSchema>;

/** The webhook the lab serves: the host port the API server calls and the configuration that points at it. */
export const LabWebhookRecordSchema = z.object({
  port: z.number().int(),
  configurationFile: z.string(),
});

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
  /** Extra environment of the controller process (TMPDIR: where it reads the webhook's serving certificate). */
  metallbEnv: z.record(z.string(), z.string()).default({}),
  /** Null on a lab recorded before the controller got its own network namespace: it then runs on the host. */
  metallbIsolation: ControllerIsolationSchema.nullable().default(null),
  /** Null when the lab's MetalLB runs without its webhook (the v0.13 lab). */
  webhook: LabWebhookRecordSchema.nullable().default(null),
  kubernetesVersion: z.string(),
  /** The API server's audit log of ServiceAccount requests (lab/audit.ts); null on a lab started before it had one. */
  auditLog: z.string().nullable().default(null),
  /** The lab's Alertmanager (v2 API under /api/v2); null on a lab recorded before it ran one. */
  alertmanagerUrl: z.string().nullable().default(null),
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
