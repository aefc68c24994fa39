import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { planExitCode, pruneScopeOf } from '../../../client/commands/plan-run.js';
import { readDesiredFiles } from '../../../client/read-desired-files.js';
import { indexNamespaces } from '../../../domain/diagnose/pools.js';
import { viewService } from '../../../domain/diagnose/services.js';
import { liveConfigIn } from '../../../domain/plan/plan.js';
import { renderPlanHuman, renderPlanMarkdown } from '../../../domain/plan/render.js';
import { ChangePlanSchema, changePlanJsonSchema } from '../../../domain/plan/schema.js';
import { checkSequence } from '../../../domain/plan/sequence.js';
import { planSchemaPath, renderPlanJsonSchema } from '../../../scripts/write-plan-schema.js';
import { allocated, bgpPeer, installation, l2Adv, NS, pool } from '../diagnose/builders.js';
import { planFor } from './helpers.js';

const cluster = [
  ...installation(),
  pool('web', ['192.0.2.0/28']),
  l2Adv('l2', { ipAddressPools: ['web'] }),
  allocated('demo/a', ['192.0.2.1'], 'web'),
  allocated('demo/b', ['192.0.2.9'], 'web'),
];
const narrowed = planFor(cluster, [pool('web', ['192.0.2.0/29']), l2Adv('l2', { ipAddressPools: ['web'] })]).plan;
const renamed = planFor(cluster, [pool('web-v2', ['192.0.2.0/28']), l2Adv('l2', { ipAddressPools: ['web-v2'] })]).plan;

describe('plan JSON schema', () => {
  it('plans validate against the zod schema and the committed JSON Schema (ajv, draft 2020-12)', () => {
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(readFileSync(planSchemaPath, 'utf8')) as object);
    for (const plan of [narrowed, renamed]) {
      const json = JSON.parse(JSON.stringify(plan));
      expect(ChangePlanSchema.safeParse(json).success).toBe(true);
      expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    }
    expect(validate({ ...renamed, schemaVersion: 2 })).toBe(false);
  });

  it('the committed schemas/change-plan.v1.json equals the generated one (run scripts/write-plan-schema.ts)', () => {
    expect(readFileSync(planSchemaPath, 'utf8')).toBe(renderPlanJsonSchema());
    expect(JSON.parse(readFileSync(planSchemaPath, 'utf8'))).toEqual(changePlanJsonSchema());
  });
});

describe('plan rendering', () => {
  it('human: the verdict, the refusal, the Service old -> new, no steps when refused', () => {
    const text = renderPlanHuman(narrowed);
    expect(text).toContain('Plan: REFUSED: 1 refusal(s)');
    expect(text).toContain('ip-changes: 1 Service would lose or change its IP');
    expect(text).toContain('demo/b  changes  192.0.2.9 -> 192.0.2.0');
    expect(text).toContain('1. update IPAddressPool/web: changes spec.addresses');
  });

  it('markdown: headings, a table of the Services that move, numbered steps, details with every Service', () => {
    const text = renderPlanMarkdown(renamed);
    expect(text).toContain('## MetalLB change plan');
    expect(text).toContain('### Steps');
    expect(text).toContain('3. delete IPAddressPool/web:');
    expect(text).toContain('<details>\n<summary>Every Service (2)</summary>');
    expect(text).toContain('| demo/a | keeps | 192.0.2.1 | 192.0.2.1 | stays in pool "web-v2" |');
  });

  it('neither output prints a BGP password from the desired files; json goes through redaction in the CLI', () => {
    const withPeer = planFor(cluster, [
      pool('web', ['192.0.2.0/28']),
      l2Adv('l2', { ipAddressPools: ['web'] }),
      bgpPeer('peer', { password: 's3cret-value' }),
    ]).plan;
    expect(renderPlanHuman(withPeer)).not.toContain('s3cret-value');
    expect(renderPlanMarkdown(withPeer)).not.toContain('s3cret-value');
  });
});

describe('plan exit codes and flags', () => {
  it('0 safe, 1 unsafe or invalid, 3 with --detailed-exitcode and changes', () => {
    expect(planExitCode(narrowed, false)).toBe(1);
    expect(planExitCode(renamed, false)).toBe(0);
    expect(planExitCode(renamed, true)).toBe(3);
    expect(planExitCode({ ...renamed, steps: [] }, true)).toBe(0);
  });

  it('--prune needs a scope (exit 2, as kubectl), -l is parsed, --all and -l exclude each other', () => {
    expect(() => pruneScopeOf({ prune: true })).toThrow(/--prune needs a scope/);
    expect(() => pruneScopeOf({ prune: true, all: true, selector: 'a=b' })).toThrow(/not both/);
    expect(() => pruneScopeOf({ all: true })).toThrow(/only make sense with --prune/);
    expect(() => pruneScopeOf({ prune: true, selector: 'oops' })).toThrow(/key=value/);
    expect(pruneScopeOf({ prune: true, selector: 'team=a, tier=b' })).toEqual({ selector: { team: 'a', tier: 'b' } });
    expect(pruneScopeOf({ prune: true, all: true })).toEqual({ all: true });
    expect(pruneScopeOf({})).toBeNull();
  });
});

describe('readDesiredFiles', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'desired-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('reads files as given and directories as their sorted YAML/JSON files; a missing path is one line', async () => {
    mkdirSync(path.join(scratch, 'dir'));
    for (const name of ['b.yaml', 'a.yml', 'notes.txt']) writeFileSync(path.join(scratch, 'dir', name), name);
    writeFileSync(path.join(scratch, 'one.json'), '{}');
    const files = await readDesiredFiles([path.join(scratch, 'one.json'), path.join(scratch, 'dir')]);
    expect(files.map((f) => path.basename(f.path))).toEqual(['one.json', 'a.yml', 'b.yaml']);
    await expect(readDesiredFiles([path.join(scratch, 'missing')])).rejects.toThrow(
      /^cannot read -f .*missing: no such file or directory; give a readable file or directory$/,
    );
  });
});

describe('the sequence check catches an unsafe order', () => {
  it('create-before-delete of a renamed pool overlaps; deleting first without pins moves a Service', () => {
    const { input } = planFor(cluster, [pool('web-v2', ['192.0.2.0/28']), l2Adv('l2')]);
    const common = {
      live: liveConfigIn(input.snapshot, NS),
      services: input.snapshot.services.map(viewService).filter((v) => v.service.spec?.type === 'LoadBalancer'),
      keep: new Set(['demo/a', 'demo/b']),
      target: input.target,
      namespaces: indexNamespaces(input.snapshot.namespaces),
    };
    const create = { action: 'create' as const, kind: 'IPAddressPool' as const, name: 'web-v2', why: 'x' };
    const manifest = pool('web-v2', ['192.0.2.0/28']);
    const overlap = checkSequence({ ...common, steps: [{ ...create, manifest }] });
    expect(overlap[0]).toContain('overlaps with already defined CIDR');
    const other = pool('other', ['198.51.100.0/24']);
    const unpinned = checkSequence({
      ...common,
      steps: [
        { ...create, name: 'other', manifest: other },
        { action: 'delete', kind: 'IPAddressPool', name: 'web', why: 'x' },
        { ...create, manifest },
      ],
    });
    expect(unpinned[0]).toContain('demo/a would hold 198.51.100.0 instead of 192.0.2.1');
  });
});
