import type { KubernetesObject } from '@kubernetes/client-node';

/** Objects the lab creates. Only strings here: nothing ever dials a node, pod or Service address. */

export const kwokNodeAnnotation = 'kwok.x-k8s.io/node';

export function fakeNode(index: number): KubernetesObject {
  const name = `kwok-node-${index}`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', [kwokNodeAnnotation]: 'fake' },
      labels: {
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        type: 'kwok',
      },
    },
    // No taint (MetalLB's pods carry no kwok toleration) and no addresses: kwok fills in Hostname
    // "localhost", so the API server reaches kwok's kubelet endpoint on loopback only.
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
      capacity: { cpu: '32', memory: '256Gi', pods: '110' },
    },
  } as KubernetesObject;
}

export function namespace(name: string, labels: Record<string, string> = {}): KubernetesObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

const metallbLabels = (component: 'controller' | 'speaker') => ({ app: 'metallb', component });

function podTemplate(component: 'controller' | 'speaker', image: string, args: string[]) {
  return {
    metadata: { labels: metallbLabels(component) },
    spec: {
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      terminationGracePeriodSeconds: component === 'controller' ? 0 : 2,
      containers: [{ name: component, image, args }],
    },
  };
}

/** MetalLB's raw-manifest Deployment; its pods are kwok pods and the lab runs the real process. */
export function controllerDeployment(ns: string, version: string): KubernetesObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'controller', namespace: ns, labels: metallbLabels('controller') },
    spec: {
      replicas: 1,
      revisionHistoryLimit: 3,
      selector: { matchLabels: metallbLabels('controller') },
      template: podTemplate('controller', `quay.io/metallb/controller:${version}`, ['--port=7472', '--log-level=info']),
    },
  } as KubernetesObject;
}

export function speakerDaemonSet(ns: string, version: string): KubernetesObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'speaker', namespace: ns, labels: metallbLabels('speaker') },
    spec: {
      selector: { matchLabels: metallbLabels('speaker') },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: podTemplate('speaker', `quay.io/metallb/speaker:${version}`, ['--port=7472', '--log-level=info']),
    },
  } as KubernetesObject;
}

/** kwok serves `kubectl logs` for a pod from this CRI-format file. */
export function podLogs(ns: string, pod: string, container: string, logsFile: string): KubernetesObject {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Logs',
    metadata: { name: pod, namespace: ns },
    spec: { logs: [{ containers: [container], logsFile, follow: true }] },
  } as KubernetesObject;
}
