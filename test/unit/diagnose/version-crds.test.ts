import { describe, expect, it } from 'vitest';
import {
  bgpPeer,
  brief,
  configMap,
  crd,
  healthyCluster,
  installation,
  legacyAddressPool,
  l2Adv,
  metallbCrds,
  ofCheck,
  pool,
  run,
  service,
} from './builders.js';

type Obj = Record<string, unknown>;
const withoutCrds = (objects: Obj[], ...plurals: string[]) =>
  objects.filter(
    (o) =>
      !(
        o['kind'] === 'CustomResourceDefinition' &&
        plurals.some((p) => (o['metadata'] as Obj)['name'] === `${p}.metallb.io`)
      ),
  );
const check = (objects: unknown[]) => ofCheck(run(objects), 'version-crds');

describe('MetalLB not installed', () => {
  it('no controller and no CRDs → one error and nothing else', () => {
    const report = run([service('demo/web'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } }]);
    expect(report.findings.map(brief)).toEqual([
      {
        id: 'metallb-not-installed',
        severity: 'error',
        objects: [],
        fix: 'kubectl apply -f https://raw.githubusercontent.com/metallb/metallb/v0.16.1/config/manifests/metallb-native.yaml',
      },
    ]);
    expect(report.cluster.metallbNamespace).toBeNull();
    expect(report.capacity).toEqual([]);
  });
});

describe('CRDs', () => {
  it('missing CRDs needed by this version', () => {
    const findings = check(withoutCrds(healthyCluster(), 'configurationstates', 'communities'));
    expect(findings.map(brief)).toEqual([
      {
        id: 'crd-missing',
        severity: 'error',
        objects: [
          { kind: 'CustomResourceDefinition', namespace: null, name: 'communities.metallb.io' },
          { kind: 'CustomResourceDefinition', namespace: null, name: 'configurationstates.metallb.io' },
        ],
        fix: 'kubectl apply -f https://raw.githubusercontent.com/metallb/metallb/v0.16.1/config/manifests/metallb-native.yaml',
      },
    ]);
    expect(findings[0]!.title).toBe(
      'MetalLB v0.16.1 needs CRDs communities.metallb.io, configurationstates.metallb.io, which are not installed',
    );
  });

  it('configurationstates is not needed before v0.15.3, servicel2statuses not before v0.14.4', () => {
    const objects = withoutCrds(
      healthyCluster({ version: 'v0.14.3' }),
      'configurationstates',
      'servicel2statuses',
      'servicebgpstatuses',
    );
    expect(check(objects)).toEqual([]);
  });

  it('bgppeers must serve v1beta2', () => {
    const objects = [...withoutCrds(healthyCluster(), 'bgppeers'), crd('bgppeers', [{ name: 'v1beta1' }])];
    expect(check(objects).map(brief)).toEqual([
      {
        id: 'crd-version-not-served',
        severity: 'error',
        objects: [{ kind: 'CustomResourceDefinition', namespace: null, name: 'bgppeers.metallb.io' }],
        fix: 'kubectl apply -f https://raw.githubusercontent.com/metallb/metallb/v0.16.1/config/manifests/metallb-native.yaml',
      },
      // The same CRD then necessarily stores v1beta1 only.
      {
        id: 'bgppeer-stored-v1beta1',
        severity: 'warning',
        objects: [{ kind: 'CustomResourceDefinition', namespace: null, name: 'bgppeers.metallb.io' }],
        fix: 'metallb-runbooks fix reapply-config',
      },
    ]);
  });

  it('BGPPeers read as v1beta1 and CRDs storing only v1beta1 → migrate with reapply-config', () => {
    const storedOld = crd(
      'bgppeers',
      [
        { name: 'v1beta1', storage: true },
        { name: 'v1beta2', storage: false },
      ],
      ['v1beta1'],
    );
    const objects = [...withoutCrds(healthyCluster(), 'bgppeers'), storedOld, bgpPeer('peer1', {}, 'v1beta1')];
    expect(check(objects).map(brief)).toEqual([
      {
        id: 'bgppeer-stored-v1beta1',
        severity: 'warning',
        objects: [{ kind: 'CustomResourceDefinition', namespace: null, name: 'bgppeers.metallb.io' }],
        fix: 'metallb-runbooks fix reapply-config',
      },
      {
        id: 'bgppeer-v1beta1',
        severity: 'warning',
        objects: [{ kind: 'BGPPeer', namespace: 'metallb-system', name: 'peer1' }],
        fix: 'metallb-runbooks fix reapply-config',
      },
    ]);
  });

  it('storedVersions still listing v1beta1 next to v1beta2 is info', () => {
    const both = crd(
      'bgppeers',
      [
        { name: 'v1beta1', storage: false },
        { name: 'v1beta2', storage: true },
      ],
      ['v1beta1', 'v1beta2'],
    );
    expect(check([...withoutCrds(healthyCluster(), 'bgppeers'), both]).map((f) => [f.id, f.severity])).toEqual([
      ['bgppeer-stored-v1beta1', 'info'],
    ]);
  });

  it('a file dump without CRDs says so', () => {
    const report = run([pool('a', ['192.0.2.0/24']), l2Adv('l2')], { source: 'file' });
    expect(ofCheck(report, 'version-crds').map((f) => f.id)).toEqual(['crds-not-in-input', 'version-unknown']);
  });
});

describe('leftovers', () => {
  it('a pre-0.13 ConfigMap config is inert: info with the configmaptocrs command', () => {
    const findings = check([...healthyCluster(), configMap('config', { config: 'address-pools: []' })]);
    expect(findings.map(brief)).toEqual([
      {
        id: 'legacy-configmap',
        severity: 'info',
        objects: [{ kind: 'ConfigMap', namespace: 'metallb-system', name: 'config' }],
        fix: 'kubectl -n metallb-system get configmap config -o yaml > config.yaml && docker run --rm -v "$(pwd):/var/input" quay.io/metallb/configmaptocrs',
      },
    ]);
  });

  it('legacy AddressPool objects', () => {
    const findings = check([...healthyCluster(), legacyAddressPool('old', ['198.51.100.0/24'])]);
    expect(findings.map((f) => [f.id, f.severity])).toEqual([['legacy-addresspool', 'warning']]);
    expect(findings[0]!.detail).toContain('no longer reads AddressPool');
    const old = check([
      ...installation({ version: 'v0.13.12' }),
      ...metallbCrds(),
      pool('a', ['192.0.2.0/24']),
      l2Adv('l2'),
      legacyAddressPool('old', ['198.51.100.0/24']),
    ]);
    expect(old.find((f) => f.id === 'legacy-addresspool')!.detail).toContain('deprecated and removed in v0.14');
  });

  it('unknown and pre-0.13 versions', () => {
    expect(check(healthyCluster({ version: 'main' })).map((f) => [f.id, f.severity])).toEqual([
      ['version-unknown', 'info'],
    ]);
    expect(check(healthyCluster({ version: 'v0.12.1' })).map((f) => [f.id, f.severity])).toEqual([
      ['version-unsupported', 'warning'],
    ]);
  });
});
