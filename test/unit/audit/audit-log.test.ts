import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendAuditRecord, auditFiles, readRecords, verifyAuditLog } from '../../../audit/log-store.js';
import { assembleRecord, namedOnly, type AuditRecord } from '../../../domain/audit/record.js';
import { runCli } from '../../../client/program.js';

function record(runId: string, extra: Partial<Parameters<typeof assembleRecord>[0]> = {}): AuditRecord {
  return assembleRecord({
    runbook: 'restart-controller',
    cluster: 'lab',
    workflowId: 'metallb-change.lab',
    runId,
    requester: namedOnly('alice'),
    decisions: [],
    flags: {},
    files: [],
    plan: null,
    diff: [],
    steps: [],
    services: [{ service: 'shop/web', before: ['192.0.2.1'], after: ['192.0.2.1'] }],
    servicesAfterUnknown: null,
    startedAt: '2026-12-01T00:00:00.000Z',
    endedAt: '2026-12-01T00:01:00.000Z',
    outcome: 'succeeded',
    reason: null,
    ...extra,
  });
}

async function logWith(count: number): Promise<string> {
  const directory = mkdtempSync(path.join(tmpdir(), 'audit-'));
  for (let index = 1; index <= count; index++) await appendAuditRecord(directory, record(`run-${index}`));
  return directory;
}

const lines = (directory: string) => readFileSync(auditFiles(directory).log, 'utf8').trimEnd().split('\n');
const rewrite = (directory: string, next: string[]) => writeFileSync(auditFiles(directory).log, `${next.join('\n')}\n`);

async function verifyCli(directory: string): Promise<{ code: number; out: string }> {
  let out = '';
  const log = console.log;
  console.log = (line: string) => void (out += `${line}\n`);
  try {
    const code = await runCli(['node', 'metallb-runbooks', 'history', 'verify', '--audit-dir', directory], {
      writeOut: (text) => void (out += text),
      writeErr: (text) => void (out += text),
    });
    return { code, out };
  } finally {
    console.log = log;
  }
}

describe('the audit log', () => {
  it('chains each record to the one before and verifies intact', async () => {
    const directory = await logWith(3);
    const stored = [];
    for await (const kept of readRecords(directory)) stored.push(kept);
    expect(stored.map((kept) => kept.seq)).toEqual([1, 2, 3]);
    expect(stored[1]!.prevHash).toBe(stored[0]!.hash);
    expect((await verifyAuditLog(directory)).breaks).toEqual([]);
    expect(await verifyCli(directory)).toMatchObject({ code: 0, out: expect.stringContaining('3 record(s)') });
  });

  it('writes no duplicate when the same run is appended again (a retried activity)', async () => {
    const directory = await logWith(2);
    const again = await appendAuditRecord(directory, record('run-1'));
    expect(again.alreadyKept).toBe(true);
    expect(again.record.seq).toBe(1);
    expect(lines(directory)).toHaveLength(2);
  });

  it('names the record when one line is edited', async () => {
    const directory = await logWith(3);
    const all = lines(directory);
    all[1] = all[1]!.replace('"outcome":"succeeded"', '"outcome":"failed"');
    rewrite(directory, all);
    const { code, out } = await verifyCli(directory);
    expect(code).toBe(1);
    expect(out).toContain('line 2 (record metallb-change.lab/run-2)');
    expect(out).toContain('edited');
  });

  it('names where a record was deleted, and a cut-off end', async () => {
    const deleted = await logWith(3);
    rewrite(
      deleted,
      lines(deleted).filter((_, index) => index !== 1),
    );
    expect((await verifyCli(deleted)).out).toContain('line 2 (record metallb-change.lab/run-3)');
    const cut = await logWith(3);
    rewrite(cut, lines(cut).slice(0, 2));
    const verdict = await verifyCli(cut);
    expect(verdict.code).toBe(1);
    expect(verdict.out).toContain('records cut off the end');
  });

  it('names where two records were swapped', async () => {
    const directory = await logWith(3);
    const [first, second, third] = lines(directory);
    rewrite(directory, [first!, third!, second!]);
    const { code, out } = await verifyCli(directory);
    expect(code).toBe(1);
    expect(out).toContain('line 2 (record metallb-change.lab/run-3)');
  });

  it('keeps no credential, whatever a step reported', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'audit-'));
    const leaky = record('run-secret', {
      diff: [
        {
          object: 'BGPPeer/peer-a',
          action: 'update',
          fields: [{ path: 'spec.password', before: 'hunter2-inline', after: 'hunter3-inline' }],
          by: 'step 1',
        },
      ],
      reason: 'a step said password: hunter4-inline',
    });
    await appendAuditRecord(directory, leaky);
    const text = readFileSync(auditFiles(directory).log, 'utf8');
    expect(text).not.toMatch(/hunter[234]-inline/);
    expect((await verifyAuditLog(directory)).breaks).toEqual([]);
  });
});
