// The run of `metallb-runbooks demo`: the lab, a pool, an L2Advertisement and a Service, and a diagnosis.
import { table as newTable } from '../terminal.js';
import { CoreV1Api } from '@kubernetes/client-node';
import { labUp } from '../../lab/lab.js';
import { applyObjects, labKubeConfig } from '../../lab/kube.js';
import { waitFor } from '../../lab/processes.js';
import { runDiagnose } from './diagnose-run.js';

const demoNamespace = 'metallb-demo';
const demoPool = 'demo-pool';

/** The demo's MetalLB config and workload: documentation addresses only (RFC 5737). */
function demoObjects(metallbNamespace: string) {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: demoNamespace } },
    {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: { name: demoPool, namespace: metallbNamespace },
      spec: { addresses: ['203.0.113.0/28'] },
    },
    {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'L2Advertisement',
      metadata: { name: 'demo-l2', namespace: metallbNamespace },
      spec: { ipAddressPools: [demoPool] },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'hello', namespace: demoNamespace },
      spec: { type: 'LoadBalancer', selector: { app: 'hello' }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    },
  ];
}

/** Starts the default lab if needed, creates the demo's pool and Service, prints its IP and the diagnosis. */
export async function runDemo(): Promise<void> {
  const started = Date.now();
  const lab = await labUp({ name: 'default' });
  const kc = labKubeConfig(lab.kubeconfig);
  await applyObjects(kc, demoObjects(lab.namespace));
  const core = kc.makeApiClient(CoreV1Api);
  const service = await waitFor(
    'MetalLB to assign an IP to metallb-demo/hello',
    async () => {
      const svc = await core.readNamespacedService({ name: 'hello', namespace: demoNamespace });
      return svc.status?.loadBalancer?.ingress?.length ? svc : undefined;
    },
    { timeoutMs: 30_000 },
  );
  const table = newTable(['Service', 'external IP', 'pool', 'MetalLB']);
  table.push([
    `${demoNamespace}/hello`,
    (service.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).join(', '),
    service.metadata?.annotations?.['metallb.io/ip-allocated-from-pool'] ?? '-',
    lab.metallbVersion,
  ]);
  console.log(table.toString());
  // The main job: a diagnosis of the lab, exactly what `metallb-runbooks diagnose --lab` prints.
  const diagnosis = await runDiagnose({
    kubeconfig: lab.kubeconfig,
    since: '1h',
    output: 'human',
    failOn: 'error',
  });
  console.log(diagnosis.text);
  console.log(`Lab ready in ${((Date.now() - started) / 1000).toFixed(1)}s. Temporal UI: ${lab.temporalUi}`);
  console.log(
    'Use it by hand: eval "$(npm run -s lab -- env)" && kubectl get ipaddresspools,svc -A && ' +
      'npx metallb-runbooks diagnose',
  );
}
