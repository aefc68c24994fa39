// Check 8: is MetalLB installed, are the CRDs this version needs present and serving the right
// versions, and are pre-0.13 / pre-0.14.3 leftovers (ConfigMap config, AddressPool) still around.
import type { CustomResourceDefinition } from '../kube-schemas.js';
import { hasMetallbLabels } from '../snapshot.js';
import type { DiagnoseContext, Rule } from './context.js';
import { findingsOf } from './finding.js';
import { manualFix, reapplyConfigFix } from './fixes.js';
import type { Finding, ObjectRef } from './report.js';
import { atLeast, GATES } from './version.js';

const finding = findingsOf('version-crds');

const GROUP = 'metallb.io';
const LATEST_KNOWN = 'v0.16.1';

interface RequiredCrd {
  plural: string;
  /** Version the components read. */
  serves: string;
  since?: `${number}.${number}.${number}`;
}

const REQUIRED: readonly RequiredCrd[] = [
  { plural: 'ipaddresspools', serves: 'v1beta1' },
  { plural: 'l2advertisements', serves: 'v1beta1' },
  { plural: 'bgpadvertisements', serves: 'v1beta1' },
  { plural: 'bgppeers', serves: 'v1beta2' },
  { plural: 'communities', serves: 'v1beta1' },
  { plural: 'bfdprofiles', serves: 'v1beta1' },
  { plural: 'servicel2statuses', serves: 'v1beta1', since: GATES.servicel2statuses },
  { plural: 'servicebgpstatuses', serves: 'v1beta1', since: GATES.servicebgpstatuses },
  { plural: 'configurationstates', serves: 'v1beta1', since: GATES.configurationStates },
];

const manifestCommand = (version: string | null): string =>
  `kubectl apply -f https://raw.githubusercontent.com/metallb/metallb/${version ?? LATEST_KNOWN}/config/manifests/metallb-native.yaml`;

const crdRef = (name: string): ObjectRef => ({ kind: 'CustomResourceDefinition', namespace: null, name });

const metallbCrds = (ctx: DiagnoseContext): CustomResourceDefinition[] =>
  ctx.snapshot.crds.filter((c) => c.spec.group === GROUP);

function hasMetallbResources(ctx: DiagnoseContext): boolean {
  const s = ctx.snapshot;
  const lists = [
    s.pools,
    s.l2Advertisements,
    s.bgpAdvertisements,
    s.bgpPeers,
    s.configurationStates,
    s.legacyAddressPools,
  ];
  return lists.some((list) => list.length > 0);
}

/** Any trace of MetalLB: workloads, controller pods, CRDs, or its custom resources. */
export function metallbInstalled(ctx: DiagnoseContext): boolean {
  const workloads = ctx.controllers.length > 0 || ctx.speakers.length > 0;
  const pods = ctx.snapshot.pods.some((p) => hasMetallbLabels(p, 'controller'));
  return workloads || pods || metallbCrds(ctx).length > 0 || hasMetallbResources(ctx);
}

function notInstalled(): Finding {
  return finding({
    id: 'metallb-not-installed',
    severity: 'error',
    title: 'MetalLB is not installed: no controller workload and no metallb.io CRDs were found',
    detail:
      'No LoadBalancer Service gets an IP from MetalLB. If MetalLB runs in a namespace the collector did not read, ' +
      'pass --metallb-namespace.',
    fix: manualFix(
      manifestCommand(null),
      'Install MetalLB (or its Helm chart), then create an IPAddressPool and an L2Advertisement or BGPAdvertisement.',
    ),
  });
}

// ---------------------------------------------------------------------------------------------
// CRDs

function requiredFor(ctx: DiagnoseContext): RequiredCrd[] {
  return REQUIRED.filter((r) => r.since === undefined || atLeast(ctx.version, r.since) === true);
}

const forVersion = (ctx: DiagnoseContext): string =>
  ctx.snapshot.metallbVersion ? `MetalLB ${ctx.snapshot.metallbVersion}` : 'MetalLB';

function missingCrds(ctx: DiagnoseContext, missing: readonly string[]): Finding[] {
  if (missing.length === 0) return [];
  return [
    finding({
      id: 'crd-missing',
      severity: 'error',
      title: `${forVersion(ctx)} needs CRDs ${missing.join(', ')}, which are not installed`,
      detail:
        'The components watch these kinds; a missing CRD keeps their caches from syncing. ' +
        'This usually follows an upgrade that skipped the CRDs.',
      objects: missing.map(crdRef),
      fix: manualFix(
        manifestCommand(ctx.snapshot.metallbVersion),
        "Apply the CRDs of the running MetalLB version (or `helm upgrade` with the chart's CRDs).",
      ),
      data: { missing: [...missing] },
    }),
  ];
}

function unservedVersion(ctx: DiagnoseContext, r: RequiredCrd): Finding {
  const name = `${r.plural}.${GROUP}`;
  return finding({
    id: 'crd-version-not-served',
    severity: 'error',
    title: `CRD ${name} does not serve ${r.serves}, which ${forVersion(ctx)} reads`,
    detail: 'The components list this kind at that version; without it they cannot read the objects.',
    objects: [crdRef(name)],
    fix: manualFix(manifestCommand(ctx.snapshot.metallbVersion), 'Apply the CRDs of the running MetalLB version.'),
    data: { crd: name, version: r.serves },
  });
}

function crdFindings(ctx: DiagnoseContext): Finding[] {
  const crds = new Map(metallbCrds(ctx).map((c) => [c.spec.names.plural, c]));
  if (crds.size === 0 && ctx.snapshot.source === 'file') {
    return [
      finding({
        id: 'crds-not-in-input',
        severity: 'info',
        title: 'The input has no metallb.io CustomResourceDefinitions, so CRDs were not checked',
        detail: 'Add `kubectl get crd -o yaml` output to the dump to check them.',
      }),
    ];
  }
  const required = requiredFor(ctx);
  const missing = required.filter((r) => !crds.has(r.plural)).map((r) => `${r.plural}.${GROUP}`);
  const notServed = required.filter((r) => {
    const crd = crds.get(r.plural);
    return crd !== undefined && !crd.spec.versions.some((v) => v.name === r.serves && v.served);
  });
  return [...missingCrds(ctx, missing), ...notServed.map((r) => unservedVersion(ctx, r))];
}

// ---------------------------------------------------------------------------------------------
// BGPPeer v1beta1

const MIGRATE = reapplyConfigFix(
  'Re-applies the BGPPeers as metallb.io/v1beta2 so they are read and stored in the current version.',
);
const V1BETA1_WHY =
  'v1beta1 is deprecated; reads and writes through v1beta1 go through the conversion webhook that the ' +
  'controller serves, ' +
  'so they fail while the controller is down.';

function peersReadAsV1beta1(ctx: DiagnoseContext): Finding[] {
  const peers = ctx.snapshot.bgpPeers.filter(
    (p) => p.apiVersion === 'metallb.io/v1beta1' && ctx.inMetallbNamespace(p.metadata.namespace),
  );
  if (peers.length === 0) return [];
  const objects = peers.map((p) => ({
    kind: 'BGPPeer',
    namespace: p.metadata.namespace ?? ctx.namespace,
    name: p.metadata.name,
  }));
  return [
    finding({
      id: 'bgppeer-v1beta1',
      severity: 'warning',
      title:
        `${peers.length} BGPPeer(s) are only available as metallb.io/v1beta1: ` +
        `${objects.map((o) => o.name).join(', ')}`,
      detail: V1BETA1_WHY,
      objects,
      fix: MIGRATE,
    }),
  ];
}

function peersStoredAsV1beta1(ctx: DiagnoseContext): Finding[] {
  const stored = metallbCrds(ctx).find((c) => c.spec.names.plural === 'bgppeers')?.status?.storedVersions ?? [];
  if (!stored.includes('v1beta1')) return [];
  const only = stored.length === 1;
  return [
    finding({
      id: 'bgppeer-stored-v1beta1',
      severity: only ? 'warning' : 'info',
      title: only
        ? 'BGPPeers are stored only as v1beta1'
        : `BGPPeer CRD still lists v1beta1 in status.storedVersions (${stored.join(', ')})`,
      detail: `${V1BETA1_WHY} Objects written before the upgrade stay stored as v1beta1 until rewritten.`,
      objects: [crdRef(`bgppeers.${GROUP}`)],
      fix: MIGRATE,
      data: { storedVersions: [...stored] },
    }),
  ];
}

// ---------------------------------------------------------------------------------------------
// Leftovers and version

function legacyConfigMap(ctx: DiagnoseContext): Finding[] {
  const cm = ctx.snapshot.configMaps.find(
    (c) =>
      c.metadata.name === 'config' && c.data?.['config'] !== undefined && ctx.inMetallbNamespace(c.metadata.namespace),
  );
  if (cm === undefined || atLeast(ctx.version, '0.13.0') === false) return [];
  const ns = cm.metadata.namespace ?? ctx.namespace ?? 'metallb-system';
  return [
    finding({
      id: 'legacy-configmap',
      severity: 'info',
      title: `ConfigMap ${ns}/config holds a pre-0.13 MetalLB configuration, which MetalLB ignores since v0.13`,
      detail:
        'Since v0.13 MetalLB reads only custom resources. Convert it if its pools are not already defined as ' +
        'IPAddressPools, ' +
        'then delete it.',
      objects: [{ kind: 'ConfigMap', namespace: ns, name: 'config' }],
      fix: manualFix(
        `kubectl -n ${ns} get configmap config -o yaml > config.yaml && docker run --rm -v "$(pwd):/var/input" ` +
          `quay.io/metallb/configmaptocrs`,
        'configmaptocrs writes resources.yaml (IPAddressPool, advertisements, BGPPeer v1beta2, ...) to review ' +
          'and apply.',
      ),
    }),
  ];
}

function legacyAddressPools(ctx: DiagnoseContext): Finding[] {
  const pools = ctx.snapshot.legacyAddressPools;
  if (pools.length === 0) return [];
  const removed = atLeast(ctx.version, GATES.reassignsOrphans) !== false;
  const objects = pools.map((p) => ({
    kind: 'AddressPool',
    namespace: p.metadata.namespace ?? null,
    name: p.metadata.name,
  }));
  return [
    finding({
      id: 'legacy-addresspool',
      severity: 'warning',
      title: `${pools.length} legacy AddressPool object(s) exist: ${objects.map((o) => o.name).join(', ')}`,
      detail: removed
        ? 'MetalLB >= 0.14 no longer reads AddressPool (the CRD left the manifests in v0.14.3): pools defined ' +
          'only there are not used.'
        : 'AddressPool is deprecated and removed in v0.14; convert each to an IPAddressPool plus an ' +
          'L2Advertisement or ' +
          'BGPAdvertisement before upgrading.',
      objects,
      fix: manualFix(
        `kubectl get addresspools.${GROUP} -A -o yaml`,
        'Recreate them as IPAddressPools (and advertisements), then delete them.',
      ),
    }),
  ];
}

function versionFindings(ctx: DiagnoseContext): Finding[] {
  const text = ctx.snapshot.metallbVersion;
  if (ctx.version === null) {
    return [
      finding({
        id: 'version-unknown',
        severity: 'info',
        title: `MetalLB version could not be read from the controller image${text ? ` (tag "${text}")` : ''}`,
        detail: 'Version-dependent advice covers both the <= 0.13 and the >= 0.14 behaviour.',
      }),
    ];
  }
  if (atLeast(ctx.version, '0.13.0') !== false) return [];
  return [
    finding({
      id: 'version-unsupported',
      severity: 'warning',
      title: `MetalLB ${text} predates v0.13 (ConfigMap configuration); this diagnosis assumes v0.13+`,
      detail: 'Upgrade MetalLB; convert the ConfigMap with configmaptocrs first.',
    }),
  ];
}

export const findVersionAndCrdProblems: Rule = (ctx) => {
  if (!metallbInstalled(ctx)) return [notInstalled()];
  return [
    ...versionFindings(ctx),
    ...crdFindings(ctx),
    ...peersReadAsV1beta1(ctx),
    ...peersStoredAsV1beta1(ctx),
    ...legacyConfigMap(ctx),
    ...legacyAddressPools(ctx),
  ];
};
