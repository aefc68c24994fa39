import { afterAll, describe, expect, it } from 'vitest';
import { CoreV1Api } from '@kubernetes/client-node';
import { runDiagnose } from '../../client/commands/diagnose.js';
import { labDown, labUp } from '../../lab/lab.js';
import { applyObjects, labKubeConfig } from '../../lab/kube.js';
import { eventually } from './helpers.js';

// A lab of its own, wiped first: the controller's start-up lines must be in the log window.
const name = `${process.env.METALLB_TEST_LAB ?? 'test'}-fresh`;
const quiet = () => undefined;

/** What `npm run demo` creates: one pool, its L2Advertisement and one LoadBalancer Service. */
function demoObjects(metallbNamespace: string) {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'metallb-demo' } },
    {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: { name: 'demo-pool', namespace: metallbNamespace },
      spec: { addresses: ['203.0.113.0/28'] },
    },
    {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'L2Advertisement',
      metadata: { name: 'demo-l2', namespace: metallbNamespace },
      spec: { ipAddressPools: ['demo-pool'] },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'hello', namespace: 'metallb-demo' },
      spec: { type: 'LoadBalancer', selector: { app: 'hello' }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    },
  ];
}

describe('diagnose on a freshly started lab', () => {
  afterAll(async () => {
    await labDown({ name, wipe: true }, quiet);
  });

  it('after the demo set-up reports no error and no warning (start-up races are not findings)', async () => {
    await labDown({ name, wipe: true }, quiet);
    const record = await labUp({ name }, quiet);
    const kc = labKubeConfig(record.kubeconfig);
    await applyObjects(kc, demoObjects(record.namespace));
    const core = kc.makeApiClient(CoreV1Api);
    await eventually(
      'metallb-demo/hello to get an IP',
      async () => {
        const svc = await core.readNamespacedService({ name: 'hello', namespace: 'metallb-demo' });
        return svc.status?.loadBalancer?.ingress?.length ? svc : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const { report } = await runDiagnose({
      kubeconfig: record.kubeconfig,
      since: '1h',
      output: 'json',
      failOn: 'error',
    });
    const problems = report.findings.filter((f) => f.severity !== 'info').map((f) => `${f.severity}: ${f.title}`);
    expect(problems).toEqual([]);
    expect(report.summary.healthy).toBe(true);
  });
});
