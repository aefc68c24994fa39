import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { renderHuman } from '../../../domain/diagnose/render.js';
import {
  DiagnosisReportSchema,
  diagnosisReportJsonSchema,
  exitCodeFor,
  type DiagnosisReport,
  type Finding,
} from '../../../domain/diagnose/report.js';
import { renderJsonSchema, schemaPath } from '../../../scripts/write-json-schema.js';
import { allocated, healthyCluster, installation, l2Adv, NOW, pool, run, service } from './builders.js';

// Orphan (error), unannounced unused pool (warning), deprecated annotation (info).
const troubled = run([
  ...installation(),
  pool('demo-pool', ['192.0.2.0/28']),
  pool('spare', ['198.51.100.0/24']),
  l2Adv('l2', { ipAddressPools: ['demo-pool'] }),
  allocated('demo/web', ['192.0.2.20'], 'demo-pool'),
  service('demo/api', { ips: ['192.0.2.2'], annotations: { 'metallb.universe.tf/allow-shared-ip': 'k' } }),
]);

describe('report schema', () => {
  it('a report with findings validates against the zod schema after a JSON round trip', () => {
    expect(troubled.summary).toMatchObject({ errors: 1, warnings: 1, infos: 1, healthy: false });
    const parsed = DiagnosisReportSchema.safeParse(JSON.parse(JSON.stringify(troubled)));
    expect(parsed.success).toBe(true);
  });

  it('and against the committed JSON Schema (ajv, draft 2020-12)', () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
    expect(validate(JSON.parse(JSON.stringify(troubled)))).toBe(true);
    expect(validate({ ...troubled, schemaVersion: 1 })).toBe(false);
  });

  it('the committed schemas/diagnosis-report.v2.json equals the generated one (scripts/write-json-schema.ts)', () => {
    expect(readFileSync(schemaPath, 'utf8')).toBe(renderJsonSchema());
    expect(JSON.parse(readFileSync(schemaPath, 'utf8'))).toEqual(diagnosisReportJsonSchema());
  });

  it('findings are sorted error → warning → info', () => {
    expect(troubled.findings.map((f) => f.severity)).toEqual(['error', 'warning', 'info']);
  });
});

describe('exitCodeFor (--fail-on)', () => {
  const withSeverities = (...severities: Finding['severity'][]): DiagnosisReport => ({
    ...troubled,
    findings: severities.map((severity) => ({ ...troubled.findings[0]!, severity })),
  });
  it.each([
    [[], 'info', 0],
    [['info'], 'error', 0],
    [['info'], 'warning', 0],
    [['info'], 'info', 1],
    [['warning'], 'error', 0],
    [['warning'], 'warning', 1],
    [['error'], 'error', 1],
    [['error', 'info'], 'warning', 1],
  ] as const)('%j with --fail-on %s → %d', (severities, failOn, code) => {
    expect(exitCodeFor(withSeverities(...severities), failOn)).toBe(code);
  });
});

describe('renderHuman', () => {
  it('summary first, then root causes with objects and fix commands, then info, no ANSI without colour', () => {
    const text = renderHuman(troubled, { color: false });
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'MetalLB v0.16.1 in metallb-system: NOT healthy: 1 error, 1 warning, 1 info; 2 Services and 2 pools checked',
    );
    expect(lines[1]).toBe('2 problems (orphaned IP on demo/web; pool spare not announced)');
    expect(text).not.toMatch(/\x1b\[/);
    const order = ['ROOT CAUSES (2)', 'INFO (1)', 'CAPACITY'].map((h) => lines.indexOf(h));
    expect(order.every((i, n) => i > 0 && (n === 0 || i > order[n - 1]!))).toBe(true);
    expect(text).toContain(
      '✗ Service demo/web holds 192.0.2.20, which is in no IPAddressPool (pool demo-pool was narrowed) [orphaned-ip]',
    );
    expect(text).toContain('    objects: Service demo/web, IPAddressPool metallb-system/demo-pool');
    expect(text).toContain('    fix: metallb-runbooks fix cleanup-orphans --service demo/web');
  });

  it('uses ANSI colours only when asked', () => {
    expect(renderHuman(troubled, { color: true })).toMatch(/\x1b\[31m/);
  });

  it('shows the raw log line of log findings on one line, and caps long object lists', () => {
    const line = JSON.stringify({
      caller: 'pool_controller.go:94',
      controller: 'PoolReconciler',
      error: 'pool has no prefixes defined',
      level: 'error',
      ts: NOW,
    });
    const services = Array.from({ length: 12 }, (_, i) =>
      service(`demo/s${i}`, {
        ips: [`192.0.2.${i + 1}`],
        annotations: { 'metallb.universe.tf/allow-shared-ip': `k${i}` },
      }),
    );
    const report = run([...healthyCluster(), ...services], { logs: { controller: line } });
    const text = renderHuman(report, { color: false });
    expect(text).toContain(`    log: ${line}`);
    expect(text).toMatch(/objects: Service demo\/s0,[\s\S]*?…\s+and\s+2\s+more/);
  });

  it('a healthy report says so', () => {
    const text = renderHuman(run(healthyCluster()), { color: false });
    expect(text.split('\n')[0]).toBe(
      'MetalLB v0.16.1 in metallb-system: healthy: 0 errors, 0 warnings, 0 info; 3 Services and 1 pool checked',
    );
  });
});
