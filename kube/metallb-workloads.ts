import type { V1DaemonSet, V1Deployment } from '@kubernetes/client-node';
import type { KubeApis } from './apis.js';
import { kubeCall, runbookFailure } from './call.js';

export interface MetallbWorkloads {
  namespace: string;
  /** Deployment name: "controller" (manifests) or "<release>-controller" (Helm). */
  controller: string;
  /** DaemonSet name, null when MetalLB runs without speakers. */
  speaker: string | null;
  /** The controller's --lb-class, if any: it decides which Services MetalLB serves. */
  lbClass: string | null;
}

const selectors = (component: string) => [
  `app=metallb,component=${component}`,
  `app.kubernetes.io/name=metallb,app.kubernetes.io/component=${component}`,
];

// Raw manifests name it "controller", Helm "<release>-controller"; prefer those among labelled ones.
function pick<T extends V1Deployment | V1DaemonSet>(items: T[], component: string): T | undefined {
  const named = items.find((w) => w.metadata?.name === component || w.metadata?.name?.endsWith(`-${component}`));
  return named ?? items[0];
}

function lbClassOf(deployment: V1Deployment): string | null {
  const args = (deployment.spec?.template.spec?.containers ?? []).flatMap((c) => [
    ...(c.command ?? []),
    ...(c.args ?? []),
  ]);
  const index = args.findIndex((a) => /^--?lb-class(=|$)/.test(a));
  if (index < 0) return null;
  const arg = args[index]!;
  return (arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[index + 1]) || null;
}

async function findController(kube: KubeApis): Promise<V1Deployment> {
  for (const labelSelector of selectors('controller')) {
    const list = await kubeCall('list MetalLB controller Deployments', () =>
      kube.apps.listDeploymentForAllNamespaces({ labelSelector }),
    );
    const found = pick(list.items, 'controller');
    if (found) return found;
  }
  throw runbookFailure(
    'MetallbNotFound',
    'no MetalLB controller Deployment found ' +
      '(labels app=metallb,component=controller or app.kubernetes.io/component=controller)',
  );
}

async function findSpeaker(kube: KubeApis, namespace: string): Promise<V1DaemonSet | undefined> {
  for (const labelSelector of selectors('speaker')) {
    const list = await kubeCall(`list MetalLB speaker DaemonSets in ${namespace}`, () =>
      kube.apps.listNamespacedDaemonSet({ namespace, labelSelector }),
    );
    const found = pick(list.items, 'speaker');
    if (found) return found;
  }
  return undefined;
}

/** Locates MetalLB's controller Deployment and speaker DaemonSet, raw manifests or Helm. */
export async function findMetallbWorkloads(kube: KubeApis): Promise<MetallbWorkloads> {
  const controller = await findController(kube);
  const namespace = controller.metadata!.namespace!;
  const speaker = await findSpeaker(kube, namespace);
  return {
    namespace,
    controller: controller.metadata!.name!,
    speaker: speaker?.metadata?.name ?? null,
    lbClass: lbClassOf(controller),
  };
}
