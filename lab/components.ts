import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { manifestAsset, writeDerivedWebhooks } from './webhook.js';

/**
 * The lab's server programs. Versions are pinned in exactly one place: each component's wrapper
 * module under lab/go/<dir>/ (go.mod + go.sum). This file only says how to build and name them.
 */
export interface Component {
  /** Cache and log name. */
  name: string;
  /** Wrapper module directory under lab/go/. */
  dir: string;
  /** Module whose version names the build (read from the wrapper's go.mod). */
  versionModule: string;
  /** Main packages to build; each becomes a binary named after its last path element unless renamed. */
  packages: { pkg: string; binary: string }[];
  ldflags: (version: string) => string[];
  /** Files copied from the module source into the cache next to the binaries (CRDs, kwok stages). */
  assets?: { module: string; from: string; to: string }[];
  /** Run on the staging directory once binaries and assets are in place (derives data kept in the cache). */
  afterBuild?: (dir: string) => void;
  /** Built only when asked for (e.g. the legacy MetalLB used to reproduce fail-static stale config). */
  onDemand?: boolean;
}

/** lab/go/ of the checkout, also when this file runs compiled from dist/lab/ (the Go modules are not copied). */
export const labGoDir = fileURLToPath(
  new URL(import.meta.url.endsWith('.js') ? '../../lab/go/' : './go/', import.meta.url),
);

const kubeVersionFlags = (version: string): string[] => {
  const minor = version.split('.')[1] ?? '0';
  const vars: Record<string, string> = { gitVersion: version, gitMajor: '1', gitMinor: minor, gitTreeState: 'clean' };
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) =>
    Object.entries(vars).map(([key, value]) => `-X ${pkg}.${key}=${value}`),
  );
};

/** Prometheus projects print an empty version unless these are set, as their release builds do. */
const prometheusVersionFlags = (version: string): string[] => [
  `-X github.com/prometheus/common/version.Version=${version.replace(/^v/, '')}`,
  '-X github.com/prometheus/common/version.Branch=HEAD',
];

const metallbComponent = (name: string, dir: string): Component => ({
  name,
  dir,
  versionModule: 'go.universe.tf/metallb',
  packages: [{ pkg: 'go.universe.tf/metallb/controller', binary: 'metallb-controller' }],
  ldflags: () => [],
  assets: [
    { module: 'go.universe.tf/metallb', from: 'config/crd/bases', to: 'crds' },
    { module: 'go.universe.tf/metallb', from: 'config/manifests/metallb-native.yaml', to: manifestAsset },
  ],
  afterBuild: writeDerivedWebhooks,
  onDemand: name !== 'metallb',
});

export const components: Component[] = [
  {
    name: 'etcd',
    dir: 'etcd',
    versionModule: 'go.etcd.io/etcd/server/v3',
    packages: [{ pkg: 'go.etcd.io/etcd/server/v3', binary: 'etcd' }],
    ldflags: () => [],
  },
  {
    name: 'kubernetes',
    dir: 'kubernetes',
    versionModule: 'k8s.io/kubernetes',
    packages: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].map((binary) => ({
      pkg: `k8s.io/kubernetes/cmd/${binary}`,
      binary,
    })),
    ldflags: kubeVersionFlags,
  },
  {
    name: 'kwok',
    dir: 'kwok',
    versionModule: 'sigs.k8s.io/kwok',
    packages: [{ pkg: 'sigs.k8s.io/kwok/cmd/kwok', binary: 'kwok' }],
    ldflags: () => [],
    // The bare kwok binary has no built-in stages; it reads them (and the Logs CRDs) from kustomize/.
    assets: [{ module: 'sigs.k8s.io/kwok', from: 'kustomize', to: 'kustomize' }],
  },
  {
    name: 'temporal',
    dir: 'temporal',
    versionModule: 'github.com/temporalio/cli',
    packages: [{ pkg: 'github.com/temporalio/cli/cmd/temporal', binary: 'temporal' }],
    ldflags: (version) => [`-X github.com/temporalio/cli/temporalcli.Version=${version.replace(/^v/, '')}`],
  },
  {
    // Alert sink for `watch`: v0.28.1 builds from its module as is (v0.32+ embed a web UI the module lacks).
    name: 'alertmanager',
    dir: 'alertmanager',
    versionModule: 'github.com/prometheus/alertmanager',
    packages: [{ pkg: 'github.com/prometheus/alertmanager/cmd/alertmanager', binary: 'alertmanager' }],
    ldflags: prometheusVersionFlags,
  },
  {
    // Checks and unit-tests the shipped alerting rules; only the tests need it.
    name: 'promtool',
    dir: 'promtool',
    versionModule: 'github.com/prometheus/prometheus',
    packages: [{ pkg: 'github.com/prometheus/prometheus/cmd/promtool', binary: 'promtool' }],
    ldflags: prometheusVersionFlags,
    onDemand: true,
  },
  metallbComponent('metallb', 'metallb'),
  metallbComponent('metallb-v0.13', 'metallb-v0.13'),
];

/** Reads the pinned version of `module` from a wrapper go.mod. */
export function pinnedVersion(component: Component): string {
  const goMod = readFileSync(path.join(labGoDir, component.dir, 'go.mod'), 'utf8');
  const escaped = component.versionModule.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const match = new RegExp(`^\\s*${escaped}\\s+(v\\S+)`, 'm').exec(goMod);
  if (!match?.[1]) throw new Error(`lab/go/${component.dir}/go.mod does not require ${component.versionModule}`);
  return match[1];
}

export function componentNamed(name: string): Component {
  const found = components.find((c) => c.name === name);
  if (!found) throw new Error(`unknown lab component "${name}"`);
  return found;
}

/** The MetalLB component that runs `version` (e.g. "v0.13.12"); the default one when unset. */
export function metallbComponentFor(version: string | undefined): Component {
  const candidates = components.filter((c) => c.versionModule === 'go.universe.tf/metallb');
  if (!version) return componentNamed('metallb');
  const found = candidates.find((c) => pinnedVersion(c) === version);
  if (!found) {
    const known = candidates.map(pinnedVersion).join(', ');
    throw new Error(`the lab cannot run MetalLB ${version}; pinned versions: ${known}`);
  }
  return found;
}
