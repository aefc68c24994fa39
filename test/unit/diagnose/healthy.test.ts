import { describe, expect, it } from 'vitest';
import { DiagnosisReportSchema } from '../../../domain/diagnose/report.js';
import { healthyCluster, NS, problems, run, VERSION } from './builders.js';

describe('a healthy cluster', () => {
  const report = run(healthyCluster());

  it('has no warning or error findings', () => {
    expect(problems(report)).toEqual([]);
    expect(report.summary).toMatchObject({
      errors: 0,
      warnings: 0,
      healthy: true,
      servicesChecked: 3,
      poolsChecked: 1,
    });
  });

  it('has no info findings either', () => {
    expect(report.findings).toEqual([]);
  });

  it('reports where MetalLB runs and its version', () => {
    expect(report.cluster).toEqual({ metallbNamespace: NS, metallbVersion: VERSION, context: null });
  });

  it('reports pool usage', () => {
    expect(report.capacity).toEqual([
      {
        pool: 'demo-pool',
        namespace: NS,
        family: 'IPv4',
        capacity: '256',
        used: '3',
        available: '253',
        usedPercent: 1.1,
        autoAssign: true,
      },
    ]);
  });

  it('validates against the report schema', () => {
    expect(DiagnosisReportSchema.safeParse(JSON.parse(JSON.stringify(report))).success).toBe(true);
  });
});
