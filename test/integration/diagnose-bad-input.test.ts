import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { ApiextensionsV1Api } from '@kubernetes/client-node';
import {
  closedPort,
  createL2Advertisement,
  createLoadBalancer,
  createNamespace,
  createPool,
  deleteAllMetallbConfig,
  eventually,
  lab,
  labClients,
  removeNamespace,
  uniqueName,
  restartLabController,
} from './helpers.js';
import { applyObjects, readManifestDir } from '../../lab/kube.js';

const bin = fileURLToPath(new URL('../../bin/metallb-runbooks.js', import.meta.url));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'diagnose-input-'));

/** Runs the real CLI as a user would; returns exit code and output. */
function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
}

function file(name: string, content: string): string {
  const target = path.join(scratch, name);
  writeFileSync(target, content);
  return target;
}

const oneLine = (text: string) => text.split('\n').filter(Boolean);

describe('diagnose refuses bad input with one line and exit 2, changing nothing', () => {
  it('malformed YAML dump', () => {
    const result = cli(
      'diagnose',
      '--from-file',
      file('broken.yaml', 'apiVersion: v1\nkind: List\nitems: [\n  - {a: 1\n'),
    );
    expect(result.status).toBe(2);
    expect(oneLine(result.stderr)).toEqual([
      `metallb-runbooks: ${path.join(scratch, 'broken.yaml')}: invalid YAML: Flow map in block collection must be ` +
        'sufficiently indented and end with a } at line 5, column 1',
    ]);
    expect(result.stdout).toBe('');
  });

  it('a dump that does not exist', () => {
    const result = cli('diagnose', '--from-file', path.join(scratch, 'missing.yaml'));
    expect(result.status).toBe(2);
    expect(oneLine(result.stderr)).toEqual([
      `metallb-runbooks: cannot read dump ${path.join(scratch, 'missing.yaml')}: ENOENT`,
    ]);
    expect(result.stdout).toBe('');
  });

  it('an invalid --since', () => {
    const result = cli(
      'diagnose',
      '--from-file',
      file('empty.yaml', 'apiVersion: v1\nkind: List\nitems: []\n'),
      '--since',
      'yesterday',
    );
    expect(result.status).toBe(2);
    expect(oneLine(result.stderr)).toEqual(['metallb-runbooks: --since must be a duration like 30m, 1h or 2h30m']);
    expect(result.stdout).toBe('');
  });

  // Not bad input: a dump with odd objects is diagnosed, and its findings make the exit code 1.
  it('unknown kinds and malformed objects in a dump become findings (exit 1), not crashes', () => {
    const dump = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } },
        {
          apiVersion: 'metallb.io/v1beta1',
          kind: 'IPAddressPool',
          metadata: { name: 'bad', namespace: 'metallb-system' },
          spec: { addresses: 'not-a-list' },
        },
        {
          apiVersion: 'metallb.io/v1beta1',
          kind: 'IPAddressPool',
          metadata: { name: 'bare-ip', namespace: 'metallb-system' },
          spec: { addresses: ['192.0.2.7'] },
        },
      ],
    };
    const result = cli('diagnose', '--from-file', file('odd.yaml', stringify(dump)), '-o', 'json');
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as { findings: { id: string; title: string }[] };
    const text = JSON.stringify(report.findings);
    expect(text).toContain('Widget');
    expect(text).toContain('bad');
    expect(report.findings.some((f) => f.id === 'pool-invalid' && f.title.includes('bare-ip'))).toBe(true);
    expect(text).toContain('invalid CIDR \\"192.0.2.7\\"');
  });

  it('an unreachable API server', async () => {
    const port = await closedPort();
    const kubeconfig = file(
      'unreachable.kubeconfig',
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'gone',
        clusters: [
          { name: 'gone', cluster: { server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } },
        ],
        users: [{ name: 'u', user: { token: 'x' } }],
        contexts: [{ name: 'gone', context: { cluster: 'gone', user: 'u' } }],
      }),
    );
    const result = cli('diagnose', '--kubeconfig', kubeconfig);
    expect(result.status).toBe(2);
    expect(oneLine(result.stderr)).toEqual([
      `metallb-runbooks: cannot reach the Kubernetes API server at https://127.0.0.1:${port}: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${port}`,
    ]);
  });

  it('an unknown context', () => {
    const result = cli('diagnose', '--kubeconfig', lab().kubeconfig, '--context', 'no-such-context');
    expect(result.status).toBe(2);
    expect(oneLine(result.stderr)).toEqual([
      'metallb-runbooks: context "no-such-context" is not in the kubeconfig ' +
        '(contexts: metallb-lab, metallb-lab-restricted, metallb-lab-operator); pass one of them with --context',
    ]);
    expect(result.stdout).toBe('');
  });

  it('an identity RBAC forbids to list what diagnose reads', async () => {
    await deleteAllMetallbConfig();
    await createPool(uniqueName('rbac'), ['192.0.2.0/28']);
    const pools = async () =>
      (
        (await labClients().custom.listNamespacedCustomObject({
          group: 'metallb.io',
          version: 'v1beta1',
          namespace: 'metallb-system',
          plural: 'ipaddresspools',
        })) as { items: unknown[] }
      ).items;
    // Let the controller write the pool's status first, so only a write by diagnose could change it.
    const before = await eventually('the pool status to be written', async () => {
      const items = (await pools()) as { status?: unknown }[];
      return items.length === 1 && items[0]!.status ? items : undefined;
    });
    const result = cli('diagnose', '--kubeconfig', lab().kubeconfig, '--context', 'metallb-lab-restricted');
    expect(result.status).toBe(2);
    expect(oneLine(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/forbidden/i);
    expect(result.stderr).toMatch(/RBAC/);
    // Same objects, same resourceVersions: nothing was written.
    expect(await pools()).toEqual(before);
    await deleteAllMetallbConfig();
  });

  it('a cluster without MetalLB CRDs (then restores them and checks MetalLB still assigns)', async () => {
    const { kc } = labClients();
    const extensions = kc.makeApiClient(ApiextensionsV1Api);
    await deleteAllMetallbConfig();
    const crds = readManifestDir(path.join(path.dirname(lab().metallbBinary), 'crds'));
    const metallbCrdNames = async () =>
      (await extensions.listCustomResourceDefinition()).items
        .map((c) => c.metadata!.name!)
        .filter((n) => n.endsWith('.metallb.io'));
    for (const name of await metallbCrdNames()) await extensions.deleteCustomResourceDefinition({ name });
    try {
      await eventually('every metallb.io CRD to be gone', async () =>
        (await metallbCrdNames()).length === 0 ? true : undefined,
      );
      const result = cli('diagnose', '--kubeconfig', lab().kubeconfig);
      expect(result.status).toBe(2);
      expect(oneLine(result.stderr)).toEqual([
        'metallb-runbooks: MetalLB is not installed on metallb-lab: no metallb.io CustomResourceDefinitions',
      ]);
    } finally {
      await applyObjects(kc, crds);
    }
    await eventually(
      'MetalLB CRDs to be served again',
      async () => {
        await labClients().custom.listNamespacedCustomObject({
          group: 'metallb.io',
          version: 'v1beta1',
          namespace: 'metallb-system',
          plural: 'ipaddresspools',
        });
        return true;
      },
      { timeoutMs: 60_000 },
    );
    // The real controller recovers its watches: a new pool still serves a new Service.
    const ns = uniqueName('after-crds');
    await createNamespace(ns);
    const pool = uniqueName('pool');
    await eventually('the pool to be accepted', async () => {
      await createPool(pool, ['192.0.2.0/28']);
      return true;
    });
    await createL2Advertisement(uniqueName('l2'), [pool]);
    await createLoadBalancer(ns, 'web');
    await eventually(
      'an IP on the new Service',
      async () => {
        const svc = await labClients().core.readNamespacedService({ namespace: ns, name: 'web' });
        return svc.status?.loadBalancer?.ingress?.length ? svc : undefined;
      },
      { timeoutMs: 60_000 },
    );
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
    // Its watches survived a CRD deletion, but were slow to see deletions afterwards (a run after this file
    // waited ~60 s for "config reloaded"): the next file gets a freshly started controller.
    await restartLabController();
  });
});
