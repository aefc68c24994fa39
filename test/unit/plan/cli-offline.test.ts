// `plan --from-file`: the whole command offline (no cluster), from a dump and desired files on disk.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runPlan } from '../../../client/commands/plan.js';
import { ChangePlanSchema } from '../../../domain/plan/schema.js';
import { allocated, bgpPeer, installation, l2Adv, pool } from '../diagnose/builders.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'plan-offline-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function file(name: string, objects: object[]): string {
  const target = path.join(scratch, name);
  writeFileSync(target, objects.map((o) => stringify(o)).join('---\n'));
  return target;
}

const dump = file('dump.yaml', [
  { apiVersion: 'v1', kind: 'List', items: [...installation({ version: 'v0.14.9' }), pool('web', ['192.0.2.0/28'])] },
  l2Adv('l2', { ipAddressPools: ['web'] }),
  allocated('demo/a', ['192.0.2.9'], 'web'),
]);

describe('plan --from-file', () => {
  it('plans against the dump: its controller image gives the version; json validates, hides passwords', async () => {
    const desired = file('desired.yaml', [
      pool('web', ['192.0.2.0/27']),
      l2Adv('l2', { ipAddressPools: ['web'] }),
      bgpPeer('peer', { password: 'hunter2-secret' }),
    ]);
    const { plan, exitCode, text } = await runPlan({ filename: [desired], fromFile: [dump], output: 'json' });
    expect(exitCode).toBe(0);
    expect(plan.target).toEqual({ namespace: 'metallb-system', metallbVersion: 'v0.14.9', bgpType: 'native' });
    expect(plan.steps.map((s) => ('kind' in s ? `${s.action} ${s.kind}/${s.name}` : s.action))).toEqual([
      'create BGPPeer/peer',
      'update IPAddressPool/web',
    ]);
    expect(text).not.toContain('hunter2-secret');
    expect(ChangePlanSchema.safeParse(JSON.parse(text)).success).toBe(true);
  });

  it('--metallb-version overrides the dump: v0.13 refuses a narrowing leaving an IP in no pool', async () => {
    const desired = file('narrow.yaml', [pool('web', ['192.0.2.0/29']), l2Adv('l2', { ipAddressPools: ['web'] })]);
    const opts = { filename: [desired], fromFile: [dump], output: 'human', allowIpChanges: true };
    const old = await runPlan({ ...opts, metallbVersion: '0.13.12' });
    expect(old.exitCode).toBe(1);
    expect(old.text).toContain('controller-refuses-config');
    const current = await runPlan(opts);
    expect(current.exitCode).toBe(0);
    expect(current.text).toContain('demo/a  changes  192.0.2.9 -> 192.0.2.0');
  });

  it('a document that is not a MetalLB kind makes the plan invalid (exit 1) with no steps', async () => {
    const desired = file('odd.yaml', [
      pool('web', ['192.0.2.0/27']),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } },
    ]);
    const { plan, exitCode } = await runPlan({
      filename: [desired],
      fromFile: [dump],
      output: 'json',
      prune: true,
      all: true,
    });
    expect(exitCode).toBe(1);
    expect(plan.valid).toBe(false);
    expect(plan.steps).toEqual([]);
    expect(plan.problems.map((p) => p.rule)).toContain('unknown-kind');
  });

  it('an unreadable dump or a bad version flag: a one-line error with exit code 2', async () => {
    const desired = file('ok.yaml', [pool('web', ['192.0.2.0/28'])]);
    await expect(
      runPlan({ filename: [desired], fromFile: [path.join(scratch, 'none.yaml')], output: 'human' }),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: `cannot read dump ${path.join(scratch, 'none.yaml')}: ENOENT`,
    });
    await expect(
      runPlan({ filename: [desired], fromFile: [dump], output: 'human', metallbVersion: 'latest' }),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: '--metallb-version must look like v0.15.3',
    });
  });
});
