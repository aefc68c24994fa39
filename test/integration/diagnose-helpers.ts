import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { runDiagnose } from '../../client/commands/diagnose.js';
import type { DiagnosisReport, Finding } from '../../domain/diagnose/report.js';
import { readControllerState } from '../../lab/record.js';
import { eventually, lab, labClients } from './helpers.js';

export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const metallb = { group: 'metallb.io', version: 'v1beta1' };

/**
 * Runs the real `diagnose` command against the test lab. The log window starts when the scenario
 * did, so one scenario's controller errors never leak into the next one's report.
 */
export async function diagnoseLab(since: number, extra: Record<string, unknown> = {}): Promise<DiagnosisReport> {
  const seconds = Math.max(1, Math.ceil((Date.now() - since) / 1000) + 1);
  const { report } = await runDiagnose({
    kubeconfig: lab().kubeconfig,
    since: `${seconds}s`,
    output: 'json',
    failOn: 'error',
    ...extra,
  });
  if (process.env.DEBUG_DIAGNOSE) console.log(JSON.stringify(report.findings.map((f) => [f.severity, f.id, f.title])));
  return report;
}

/** "severity:id" of every finding at warning or above, sorted: what a scenario must match exactly. */
export function problems(report: DiagnosisReport): string[] {
  return report.findings
    .filter((f) => f.severity !== 'info')
    .map((f) => `${f.severity}:${f.id}`)
    .sort();
}

export function findingsWithId(report: DiagnosisReport, id: string): Finding[] {
  return report.findings.filter((f) => f.id === id);
}

export async function patchPool(name: string, spec: Record<string, unknown>): Promise<void> {
  const { custom, namespace } = labClients();
  await custom.patchNamespacedCustomObject(
    { ...metallb, namespace, plural: 'ipaddresspools', name, body: { spec } },
    mergePatch,
  );
}

export async function deleteMetallbObject(plural: string, name: string): Promise<void> {
  const { custom, namespace } = labClients();
  await custom.deleteNamespacedCustomObject({ ...metallb, namespace, plural, name });
}

export async function createMetallbObject(
  kind: string,
  plural: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<void> {
  const { custom, namespace } = labClients();
  await custom.createNamespacedCustomObject({
    ...metallb,
    namespace,
    plural,
    body: { apiVersion: 'metallb.io/v1beta1', kind, metadata: { name }, spec },
  });
}

/** Scales the controller Deployment; at 0 the lab's supervisor stops the real process. */
export async function scaleController(replicas: number): Promise<void> {
  const { apps, namespace } = labClients();
  await apps.patchNamespacedDeployment({ name: 'controller', namespace, body: { spec: { replicas } } }, mergePatch);
  await eventually(
    `the real controller process to be ${replicas ? 'running' : 'stopped'}`,
    () => {
      const state = readControllerState(lab().stateDir);
      return state && state.running === replicas > 0 ? state : undefined;
    },
    { timeoutMs: 60_000 },
  );
  await eventually(
    `deployment/controller to have ${replicas} available`,
    async () => {
      const d = await apps.readNamespacedDeployment({ name: 'controller', namespace });
      return (d.status?.availableReplicas ?? 0) === replicas && (d.status?.replicas ?? 0) === replicas ? d : undefined;
    },
    { timeoutMs: 60_000 },
  );
}
