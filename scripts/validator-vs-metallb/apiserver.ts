// Checks our `apiserver` verdicts against a real kube-apiserver with MetalLB's CRDs: for each corpus
// case the context documents are created, the last one is sent as a server-side dry run (create, or
// replace when it names a context object, as the project writes), and the API server's verdict is
// compared with ours. Run against a lab WITHOUT the validating webhook, so only the API server judges:
//   KUBECONFIG=<lab kubeconfig> npx tsx scripts/validator-vs-metallb/apiserver.ts
// It deletes every MetalLB config object of the lab's metallb-system namespace between cases.
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { corpusCases, labTarget, runCase, type CorpusCase } from '../../test/unit/plan/corpus.js';

const api = (() => {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return KubernetesObjectApi.makeApiClient(kc);
})();

const kinds: [string, string][] = [
  ['metallb.io/v1beta1', 'IPAddressPool'],
  ['metallb.io/v1beta1', 'L2Advertisement'],
  ['metallb.io/v1beta1', 'BGPAdvertisement'],
  ['metallb.io/v1beta2', 'BGPPeer'],
  ['metallb.io/v1beta1', 'Community'],
  ['metallb.io/v1beta1', 'BFDProfile'],
];
const namespaces = ['metallb-system', 'default', 'kube-system'];

async function deleteAll(apiVersion: string, kind: string, namespace: string): Promise<void> {
  const list = await api.list(apiVersion, kind, namespace);
  for (const item of list.items) {
    await api.delete({ apiVersion, kind, metadata: { name: item.metadata?.name, namespace } });
  }
}

async function clean(): Promise<void> {
  for (const [apiVersion, kind] of kinds)
    for (const namespace of namespaces) await deleteAll(apiVersion, kind, namespace);
  await api
    .delete({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bgp-password', namespace: namespaces[0] } })
    .catch(() => undefined);
}

const inNamespace = (doc: KubernetesObject): KubernetesObject => ({
  ...doc,
  metadata: { namespace: 'metallb-system', ...doc.metadata },
});

async function dryRun(last: KubernetesObject, context: readonly KubernetesObject[]): Promise<void> {
  const update = context.some((doc) => doc.kind === last.kind && doc.metadata?.name === last.metadata?.name);
  if (!update) {
    await api.create(last, undefined, 'All');
    return;
  }
  const live = await api.read({ apiVersion: last.apiVersion!, kind: last.kind!, metadata: last.metadata! } as never);
  await api.replace(
    { ...last, metadata: { ...last.metadata, resourceVersion: live.metadata?.resourceVersion } },
    undefined,
    'All',
  );
}

const refusal = (error: unknown): string => {
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'string' && body.startsWith('{'))
    return (JSON.parse(body) as { message?: string }).message ?? body;
  return error instanceof Error ? error.message : String(error);
};

async function check(testCase: CorpusCase): Promise<boolean> {
  await clean();
  const docs = parseAllDocuments(testCase.text).map((doc) => inNamespace(doc.toJS() as KubernetesObject));
  for (const doc of docs.slice(0, -1)) await api.create(doc);
  const denied = await dryRun(docs.at(-1)!, docs.slice(0, -1)).then(
    () => null,
    (error: unknown) => refusal(error),
  );
  const { problems, lastDocument } = runCase(testCase, labTarget);
  const ours = problems.some((p) => p.source?.document === lastDocument && p.rejectedBy === 'apiserver');
  const agrees = ours === (denied !== null);
  const verdict = (refused: boolean) => (refused ? 'denies' : 'admits');
  console.log(
    `${agrees ? 'agree ' : 'DIFFER'} ${testCase.file}: API server ${verdict(denied !== null)} (ours ${verdict(ours)})`,
  );
  if (denied !== null) console.log(`        ${denied}`);
  return agrees;
}

let disagreements = 0;
for (const testCase of [...corpusCases('invalid'), ...corpusCases('valid')])
  if (!(await check(testCase))) disagreements++;
await clean();
console.log(`API server verdicts: ${disagreements} disagreements`);
