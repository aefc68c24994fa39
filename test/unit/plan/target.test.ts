import { describe, expect, it } from 'vitest';
import { bgpTypeOf, planTargetFor } from '../../../domain/plan/target.js';
import { controllerDeployment, NS, snapshot, speakerDaemonSet } from '../diagnose/builders.js';

function speakerWithEnv(env: { name: string; value: string }[]): object {
  const speaker = speakerDaemonSet({ version: 'v0.14.9' }) as {
    spec: { template: { spec: { containers: Record<string, unknown>[] } } };
  };
  speaker.spec.template.spec.containers[0]!.env = env;
  return speaker;
}

describe('plan target', () => {
  it('version from the controller image tag, BGP type from the speaker METALLB_BGP_TYPE', () => {
    const snap = snapshot([
      controllerDeployment({ version: 'v0.14.9' }),
      speakerWithEnv([{ name: 'METALLB_BGP_TYPE', value: 'frr-k8s' }]),
    ]);
    expect(planTargetFor(snap, {})).toEqual({ namespace: NS, metallbVersion: 'v0.14.9', bgpType: 'frr-k8s' });
  });

  it('no METALLB_BGP_TYPE means native (MetalLB default); no MetalLB workload: unknown, planned as native', () => {
    expect(bgpTypeOf(snapshot([speakerWithEnv([{ name: 'OTHER', value: 'x' }])]))).toBe('native');
    expect(bgpTypeOf(snapshot([]))).toBeNull();
    expect(planTargetFor(snapshot([]), {})).toEqual({
      namespace: 'metallb-system',
      metallbVersion: null,
      bgpType: 'native',
    });
  });

  it('flags override what the cluster or dump says', () => {
    const snap = snapshot([
      controllerDeployment({ version: 'v0.16.1' }),
      speakerWithEnv([{ name: 'METALLB_BGP_TYPE', value: 'frr' }]),
    ]);
    expect(planTargetFor(snap, { metallbVersion: 'v0.13.12', bgpType: 'native' })).toMatchObject({
      metallbVersion: 'v0.13.12',
      bgpType: 'native',
    });
  });
});
