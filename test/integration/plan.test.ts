// `plan` against the lab (real API server, real MetalLB controller): the live plan and the plan of a
// `kubectl get -o yaml` dump of the same lab are the same plan; bad input is one line, exit 2, and
// nothing changes on the cluster. Planning never writes, so these tests hold with the webhook on or off.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runPlan } from '../../client/commands/plan.js';
import {
  closedPort,
  configPlurals,
  createServedPool,
  deleteAllMetallbConfig,
  lab,
  labClients,
  removeNamespace,
  uniqueName,
} from './helpers.js';

const bin = fileURLToPath(new URL('../../bin/metallb-runbooks.js', import.meta.url));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'plan-lab-'));

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
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, content);
  return target;
}

const docs = (...objects: object[]): string => objects.map((o) => stringify(o)).join('---\n');
const pool = (name: string, addresses: string[]) => ({
  apiVersion: 'metallb.io/v1beta1',
  kind: 'IPAddressPool',
  metadata: { name },
  spec: { addresses },
});
const l2 = (name: string, pools: string[]) => ({
  apiVersion: 'metallb.io/v1beta1',
  kind: 'L2Advertisement',
  metadata: { name },
  spec: { ipAddressPools: pools },
});

/** Every MetalLB config object on the lab, as name -> spec: what "nothing changed" compares. */
async function metallbConfig(): Promise<Record<string, unknown>> {
  const { custom, namespace } = labClients();
  const all: Record<string, unknown> = {};
  for (const [plural, version] of configPlurals) {
    const list = (await custom.listNamespacedCustomObject({ group: 'metallb.io', version, namespace, plural })) as {
      items: { metadata: { name: string; generation: number }; spec: unknown }[];
    };
    // Generation, not resourceVersion: the controller writes pool status (0.15+), which moves the latter.
    for (const item of list.items) all[`${plural}/${item.metadata.name}`] = [item.metadata.generation, item.spec];
  }
  return all;
}

/** `kubectl get -o yaml` of everything plan reads: the dump an operator would attach to a CI job. */
function kubectlDump(): string {
  const kinds = [
    'deployments',
    'daemonsets',
    'pods',
    'services',
    'namespaces',
    'nodes',
    'customresourcedefinitions',
    ...configPlurals.map(([plural]) => `${plural}.metallb.io`),
  ];
  const result = spawnSync('kubectl', ['--kubeconfig', lab().kubeconfig, 'get', kinds.join(','), '-A', '-o', 'yaml'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

describe('plan on the lab', () => {
  const ns = uniqueName('plan');
  let desiredDir: string;

  beforeAll(async () => {
    await createServedPool({
      namespace: ns,
      pool: 'plan-web',
      addresses: ['192.0.2.0/28'],
      advertisement: 'plan-l2',
      services: ['a', 'b'],
    });
    // Rename the pool (a swap: pin, delete + create, unpin) and add a second pool.
    desiredDir = path.dirname(
      file(
        'desired/pools.yaml',
        docs(
          pool('plan-web-v2', ['192.0.2.0/28']),
          pool('plan-spare', ['198.51.100.0/28']),
          l2('plan-l2', ['plan-web-v2', 'plan-spare']),
        ),
      ),
    );
  });
  afterAll(async () => {
    await deleteAllMetallbConfig();
    await removeNamespace(ns);
    rmSync(scratch, { recursive: true, force: true });
  });

  const planWith = (extra: Record<string, unknown>) =>
    runPlan({ filename: [desiredDir], prune: true, all: true, output: 'json', ...extra });

  it('live and --from-file (a kubectl dump of the same lab) give the same plan', async () => {
    const before = await metallbConfig();
    const live = await planWith({ kubeconfig: lab().kubeconfig });
    const dump = file('dump.yaml', kubectlDump());
    const offline = await planWith({ fromFile: [dump] });
    expect(live.plan.valid).toBe(true);
    expect(live.plan.refusals).toEqual([]);
    expect(live.plan.target.metallbVersion).toMatch(/^v0\.\d+\.\d+/);
    const ours = live.plan.impact.filter((entry) => entry.namespace === ns);
    expect(ours.map((entry) => [entry.name, entry.outcome])).toEqual([
      ['a', 'keeps'],
      ['b', 'keeps'],
    ]);
    const steps = live.plan.steps.map((step) =>
      'pins' in step ? step.action : `${step.action} ${step.kind}/${step.name}`,
    );
    expect(steps).toEqual([
      'update L2Advertisement/plan-l2',
      'create IPAddressPool/plan-spare',
      'pin-services',
      'delete IPAddressPool/plan-web',
      'create IPAddressPool/plan-web-v2',
      'unpin-services',
      'update L2Advertisement/plan-l2',
    ]);
    expect(offline.plan).toEqual(live.plan);
    expect(await metallbConfig()).toEqual(before);
  });

  it('the live config itself plans to nothing: API-server defaults are not changes', async () => {
    const same = path.dirname(
      file('same/pools.yaml', docs(pool('plan-web', ['192.0.2.0/28']), l2('plan-l2', ['plan-web']))),
    );
    const { plan, exitCode } = await runPlan({
      filename: [same],
      output: 'json',
      detailedExitcode: true,
      kubeconfig: lab().kubeconfig,
    });
    expect(plan.steps).toEqual([]);
    expect(plan.changes.filter((change) => change.action !== 'unchanged')).toEqual([]);
    expect(exitCode).toBe(0);
  });

  it('exit codes: 3 with --detailed-exitcode and changes, 1 when refused', () => {
    const changes = cli(
      'plan',
      '--kubeconfig',
      lab().kubeconfig,
      '-f',
      desiredDir,
      '--prune',
      '--all',
      '--detailed-exitcode',
    );
    expect(changes.status, changes.stderr).toBe(3);
    expect(changes.stdout).toContain('Plan: safe: 7 step(s)');
    const narrowed = file('narrow/pools.yaml', docs(pool('plan-web', ['192.0.2.0/32']), l2('plan-l2', ['plan-web'])));
    const refused = cli('plan', '--kubeconfig', lab().kubeconfig, '-f', narrowed, '-o', 'markdown');
    expect(refused.status).toBe(1);
    expect(refused.stdout).toContain('**ip-changes**');
  });

  describe('bad input: one line on stderr, exit 2, nothing changed on the cluster', () => {
    let before: Record<string, unknown>;
    beforeAll(async () => {
      before = await metallbConfig();
    });
    afterAll(async () => {
      expect(await metallbConfig()).toEqual(before);
    });

    it.each([
      [['--bogus'], /^metallb-runbooks: unknown option '--bogus' \(usage: metallb-runbooks plan --help\)$/],
      [
        ['-f', '/nonexistent/desired.yaml'],
        /^metallb-runbooks: cannot read -f \/nonexistent\/desired.yaml: no such file or directory; give a readable/,
      ],
      [['--prune'], /^metallb-runbooks: --prune needs a scope: -l\/--selector key=value\[,...\] or --all/],
      [['--bgp-type', 'quagga'], /^metallb-runbooks: --bgp-type Invalid option/],
      [
        ['--from-file', '/nonexistent/dump.yaml'],
        /^metallb-runbooks: cannot read dump \/nonexistent\/dump.yaml: ENOENT$/,
      ],
    ])('%j', (args, message) => {
      const withFiles = args.includes('-f') ? args : ['-f', desiredDir, ...args];
      const result = cli('plan', '--kubeconfig', lab().kubeconfig, ...withFiles);
      expect(result.status).toBe(2);
      expect(result.stderr.split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
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
      const result = cli('plan', '--kubeconfig', kubeconfig, '-f', desiredDir);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(
        /^metallb-runbooks: cannot reach the Kubernetes API server at https:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/,
      );
      expect(result.stderr.split('\n')).toHaveLength(1);
    });
  });
});
