// deploy/gitops/: the Argo CD PreSync hook and the Flux gate Kustomization render (kubectl kustomize) to a Job that
// plans the very files the sync applies, as the read-only gate identity. The Job's exact command line runs here with
// that identity's token against the lab, on its ConfigMap laid out as the kubelet mounts one: a safe change exits 0,
// an unsafe or invalid one does not, so the Job fails and the sync stops.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubernetesObject, V1ConfigMap, V1Job } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import {
  createL2Advertisement,
  createLoadBalancer,
  createNamespace,
  createPool,
  deleteAllMetallbConfig,
  removeNamespace,
  uniqueName,
  waitForIp,
} from './helpers.js';
import {
  applyAsAdmin,
  auditedCallsSince,
  auditMark,
  callsOurRulesDecide,
  deployDir,
  identityEnv,
  localCommand,
  ofKind,
  renderKustomization,
  serviceAccountIdentity,
  type Identity,
} from './least-privilege.js';
import { readManifestFile } from '../../lab/kube.js';

const gitops = path.join(deployDir, 'gitops');
const argo = renderKustomization(path.join(gitops, 'argocd'));
const fluxGate = renderKustomization(path.join(gitops, 'flux/metallb'));
const fluxConfig = renderKustomization(path.join(gitops, 'flux/metallb/config'));
const fluxKustomizations = readManifestFile(path.join(gitops, 'flux/kustomizations.yaml')) as (KubernetesObject & {
  spec: { path: string; dependsOn?: { name: string }[]; wait?: boolean; force?: boolean };
})[];
const ns = uniqueName('gitops');

const jobOf = (objects: readonly KubernetesObject[]) => ofKind(objects, 'Job')[0] as V1Job;
const configMapOf = (objects: readonly KubernetesObject[]) => ofKind(objects, 'ConfigMap')[0] as V1ConfigMap;
const byKindAndName = (a: KubernetesObject, b: KubernetesObject) =>
  `${a.kind}/${a.metadata?.name}`.localeCompare(`${b.kind}/${b.metadata?.name}`);
const metallbObjects = (objects: readonly KubernetesObject[]) =>
  objects.filter((object) => object.apiVersion?.startsWith('metallb.io/')).sort(byKindAndName);
const parsedData = (configMap: V1ConfigMap) =>
  Object.values(configMap.data ?? {})
    .flatMap((text) => parseAllDocuments(text).map((doc) => doc.toJS() as KubernetesObject))
    .sort(byKindAndName);
const argoAnnotation = (object: KubernetesObject, key: string) =>
  object.metadata?.annotations?.[`argocd.argoproj.io/${key}`];
const isRead = (verb: string) => ['get', 'list', 'watch'].includes(verb);

/** A ConfigMap volume as the kubelet lays it out: the keys in a timestamped directory, `..data` and symlinks. */
function mountConfigMap(configMap: V1ConfigMap, data: Record<string, string> = configMap.data ?? {}): string {
  const volume = mkdtempSync(path.join(os.tmpdir(), 'configmap-volume-'));
  const versioned = '..2026_12_02_01_30_00.000000001';
  mkdirSync(path.join(volume, versioned));
  for (const [key, text] of Object.entries(data)) writeFileSync(path.join(volume, versioned, key), text);
  symlinkSync(versioned, path.join(volume, '..data'));
  for (const key of Object.keys(data)) symlinkSync(path.join('..data', key), path.join(volume, key));
  return volume;
}

/** The Job container's exact command line, its volume's mount path pointed at `volume`, run as `identity`. */
function runJobCommand(job: V1Job, volume: string, identity: Identity) {
  const container = job.spec!.template.spec!.containers[0]!;
  const mountPath = container.volumeMounts!.find((mount) => mount.name === 'desired')!.mountPath;
  const commandLine = [...(container.command ?? []), ...(container.args ?? [])].map((arg) =>
    arg === mountPath ? volume : arg,
  );
  const { file, args } = localCommand(commandLine);
  const result = spawnSync(file, args, { encoding: 'utf8', env: identityEnv(identity), timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

let gate: Identity;

beforeAll(async () => {
  await deleteAllMetallbConfig();
  await createNamespace(ns);
  await createPool('example-pool', ['192.0.2.128/27']);
  await createL2Advertisement('example-l2', ['example-pool']);
  await createLoadBalancer(ns, 'web');
  expect(await waitForIp(ns, 'web')).toEqual(['192.0.2.128']);
  await applyAsAdmin(renderKustomization(path.join(deployDir, 'overlays/read-only')));
  await applyAsAdmin(readManifestFile(path.join(gitops, 'gate-identity.yaml')));
  gate = await serviceAccountIdentity('metallb-runbooks', 'metallb-runbooks-gate', 'gitops-gate');
});

afterAll(async () => {
  await removeNamespace(ns);
  await deleteAllMetallbConfig();
});

describe('the manifests', () => {
  it('Argo CD: Job and ConfigMap are PreSync hooks, the ConfigMap a wave earlier, holding the synced files', () => {
    const job = jobOf(argo);
    const configMap = configMapOf(argo);
    expect(argoAnnotation(job, 'hook')).toBe('PreSync');
    expect(argoAnnotation(configMap, 'hook')).toBe('PreSync');
    expect(Number(argoAnnotation(configMap, 'sync-wave'))).toBeLessThan(0);
    expect(job.spec?.template.spec?.volumes?.[0]?.configMap?.name).toBe(configMap.metadata?.name);
    expect(parsedData(configMap)).toEqual(metallbObjects(argo));
    expect(job.spec?.backoffLimit).toBe(0);
  });

  it('Flux: metallb-config depends on metallb-gate, which waits for the Job and re-creates it; same files', () => {
    const byName = new Map(fluxKustomizations.map((k) => [k.metadata?.name, k]));
    const gateKustomization = byName.get('metallb-gate')!;
    expect(byName.get('metallb-config')!.spec.dependsOn).toEqual([{ name: 'metallb-gate' }]);
    expect(gateKustomization.spec).toMatchObject({ wait: true, force: true });
    expect(gateKustomization.spec.path).toBe('./deploy/gitops/flux/metallb');
    expect(byName.get('metallb-config')!.spec.path).toBe('./deploy/gitops/flux/metallb/config');
    expect(parsedData(configMapOf(fluxGate))).toEqual(metallbObjects(fluxConfig));
    expect(jobOf(fluxGate).spec?.template.spec).toEqual(jobOf(argo).spec?.template.spec);
  });

  it('both run as the gate identity, which may read and not write', () => {
    expect(jobOf(argo).spec?.template.spec?.serviceAccountName).toBe('metallb-runbooks-gate');
    const canI = (verb: string, resource: string) =>
      spawnSync('kubectl', ['--kubeconfig', gate.kubeconfig, 'auth', 'can-i', verb, resource, '-n', 'metallb-system'], {
        encoding: 'utf8',
      }).stdout.trim();
    expect(canI('list', 'ipaddresspools.metallb.io')).toBe('yes');
    expect(canI('update', 'ipaddresspools.metallb.io')).toBe('no');
    expect(canI('create', 'ipaddresspools.metallb.io')).toBe('no');
  });
});

describe("the Job's command line, as the gate identity, against the lab", () => {
  it.each([
    ['Argo CD', argo],
    ['Flux', fluxGate],
  ])('%s: the synced change (a widened pool) is valid and safe: exit 0, only allowed reads', (_, objects) => {
    const mark = auditMark();
    const result = runJobCommand(jobOf(objects), mountConfigMap(configMapOf(objects)), gate);
    expect(result.output).toContain('example-pool');
    expect(result.status, result.output).toBe(0);
    const audited = callsOurRulesDecide(auditedCallsSince(mark, gate.user));
    expect(audited.length).toBeGreaterThan(0);
    expect(audited.filter((entry) => !entry.allowed || !isRead(entry.call.verb))).toEqual([]);
  });

  it('an unsafe change (the pool narrowed away from the Service IP) fails the Job: exit 1, the Service named', () => {
    const configMap = configMapOf(argo);
    const pools = readFileSync(path.join(gitops, 'argocd/metallb-config/pools.yaml'), 'utf8');
    const narrowed = { ...configMap.data, 'pools.yaml': pools.replace('192.0.2.128/26', '192.0.2.160/27') };
    const result = runJobCommand(jobOf(argo), mountConfigMap(configMap, narrowed), gate);
    expect(result.status, result.output).toBe(1);
    expect(result.output).toContain(`${ns}/web`);
  });

  it('an invalid change (not an address range) fails the Job: exit 1, the problem named', () => {
    const configMap = configMapOf(argo);
    const pools = readFileSync(path.join(gitops, 'argocd/metallb-config/pools.yaml'), 'utf8');
    const invalid = { ...configMap.data, 'pools.yaml': pools.replace('192.0.2.128/26', '192.0.2.300/26') };
    const result = runJobCommand(jobOf(argo), mountConfigMap(configMap, invalid), gate);
    expect(result.status, result.output).toBe(1);
    expect(result.output).toContain('192.0.2.300/26');
  });
});
