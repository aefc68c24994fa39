// A report larger than a pipe's buffer must reach a reader that is slower than the CLI (`diagnose -o json | jq`
// on a drifted cluster): exiting with findings (exit 1) once dropped all but the first 64 KiB.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'piped-output-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A dump with one pool and 1,500 Services holding IPs outside it: a report of several MiB, exit code 1. */
function orphansDump(): string {
  const pool = {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metadata: { name: 'only-pool', namespace: 'metallb-system' },
    spec: { addresses: ['198.51.100.0/24'] },
  };
  const services = Array.from({ length: 1_500 }, (_, index) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `svc-${index}`, namespace: 'default' },
    spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
    status: { loadBalancer: { ingress: [{ ip: `${index < 250 ? '203.0.113' : '192.0.2'}.${(index % 250) + 1}` }] } },
  }));
  const file = path.join(scratch, 'dump.json');
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [pool, ...services] }));
  return file;
}

/** Runs the CLI with stdout on a pipe read slowly: a pause after every chunk, as a busy `jq` would. */
function runWithSlowReader(args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'client/main.ts', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), 20);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return new Promise((resolve) =>
    child.stdout.on(
      'end',
      () => void exited.then((code) => resolve({ code, stdout: Buffer.concat(chunks).toString() })),
    ),
  );
}

describe('output through a pipe', () => {
  it('a report with findings reaches a slow reader whole', async () => {
    const { code, stdout } = await runWithSlowReader(['diagnose', '--from-file', orphansDump(), '-o', 'json']);
    expect(code).toBe(1);
    expect(stdout.length).toBeGreaterThan(64 * 1024);
    const report = JSON.parse(stdout) as { findings: { id: string }[] };
    expect(report.findings.filter((finding) => finding.id === 'orphaned-ip')).toHaveLength(1_500);
  });
});
