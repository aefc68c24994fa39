// Validation time for a large desired config (npx tsx test/bench/validate.bench.ts): 1,000 pools of
// one range each (from 198.18.0.0/15, the benchmarking range), 1,000 L2Advertisements naming them and
// BGPAdvertisements selecting every pool. Prints figures only; nothing is asserted.
import { loadDesiredFiles } from '../../domain/plan/load.js';
import { validateConfig } from '../../domain/plan/validate.js';

const POOLS = 1000;
const BGP_ADVERTISEMENTS = 3;

const meta = (name: string) => `metadata: {name: ${name}, namespace: metallb-system}\n`;

function yamlFor(pools: number): string {
  const documents: string[] = [];
  for (let index = 0; index < pools; index++) {
    const [third, fourth] = [Math.floor(index / 4), (index % 4) * 64];
    const range = `198.18.${third}.${fourth}-198.18.${third}.${fourth + 63}`;
    documents.push(
      `apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\n${meta(`pool-${index}`)}` +
        `spec: {addresses: ["${range}"]}\n`,
      `apiVersion: metallb.io/v1beta1\nkind: L2Advertisement\n${meta(`l2-${index}`)}` +
        `spec: {ipAddressPools: [pool-${index}]}\n`,
    );
  }
  for (let index = 0; index < BGP_ADVERTISEMENTS; index++) {
    documents.push(
      `apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\n${meta(`bgp-${index}`)}` +
        `spec: {aggregationLength: 32, localPref: 100}\n`,
    );
  }
  return documents.join('---\n');
}

const text = yamlFor(POOLS);
const target = { namespace: 'metallb-system', metallbVersion: 'v0.16.1', bgpType: 'native' } as const;
for (let run = 0; run < 3; run++) {
  const started = performance.now();
  const loaded = loadDesiredFiles([{ path: 'bench.yaml', text }], target.namespace);
  const loadedAt = performance.now();
  const problems = validateConfig(loaded.objects, target);
  const done = performance.now();
  console.log(
    `run ${run + 1}: ${loaded.objects.length} objects (${POOLS} pools x 1 range): ` +
      `load ${(loadedAt - started).toFixed(0)} ms, ` +
      `validate ${(done - loadedAt).toFixed(0)} ms, ${problems.length + loaded.problems.length} problems, ` +
      `heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`,
  );
}
