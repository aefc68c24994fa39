// A generated MetalLB cluster for the offline benchmarks (bench:diagnose, bench:analysis): pools in
// 198.18.0.0/15 (IPv4) and 2001:db8::/32 (IPv6), Services spread over them with ~1% orphans in the
// IPv4 documentation /24s and ~1% pending, advertisements, the installation, and controller logs.
type Obj = Record<string, unknown>;

/** The MetalLB namespace of the generated cluster. */
export const NS = 'metallb-system';
/** The generated cluster's clock: logs and collection time. */
export const NOW = '2026-11-23T12:00:00.000Z';

/** How big a generated cluster is. */
export interface Shape {
  services: number;
  pools: number;
  advertisements: number;
}

// ---------------------------------------------------------------------------------------------
// Generation

interface GeneratedPool {
  object: Obj;
  /** The n-th usable address of the pool. */
  address: (n: number) => string;
  size: number;
}

// IPv4 blocks of 198.18.0.0/15: /26 (2,048 of them) while they fit, else /28 (8,192), written as
// CIDR or as a range that leaves two addresses out at each end.
const ipv4PrefixFor = (poolCount: number): number => (Math.ceil(poolCount / 2) * 64 <= 2 ** 17 ? 26 : 28);

function ipv4Pool(index: number, name: string, prefix: number): GeneratedPool {
  const blockSize = 2 ** (32 - prefix);
  const block = index * blockSize;
  const [third, fourth] = [18 + Math.floor(block / 65536), Math.floor((block % 65536) / 256)];
  const base = `198.${third}.${fourth}`;
  const start = block % 256;
  const asRange = index % 2 === 1;
  const spec = asRange ? `${base}.${start + 2}-${base}.${start + blockSize - 3}` : `${base}.${start}/${prefix}`;
  const offset = asRange ? start + 2 : start;
  const size = asRange ? blockSize - 4 : blockSize;
  return { object: poolObject(name, [spec], index), address: (n) => `${base}.${offset + n}`, size };
}

// IPv6: one /120 per pool inside 2001:db8::/32, as CIDR or range.
function ipv6Pool(index: number, name: string): GeneratedPool {
  const prefix = `2001:db8:${(index >> 8).toString(16)}:${(index & 0xff).toString(16)}::`;
  const asRange = index % 2 === 1;
  const spec = asRange ? `${prefix}1-${prefix}ff` : `${prefix}/120`;
  return { object: poolObject(name, [spec], index), address: (n) => `${prefix}${(n + 1).toString(16)}`, size: 255 };
}

function poolObject(name: string, addresses: string[], index: number): Obj {
  return {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metadata: { name, namespace: NS, labels: { tier: `t${index % 5}` } },
    spec: { addresses, autoAssign: true, avoidBuggyIPs: false },
  };
}

function generatePools(count: number): GeneratedPool[] {
  const prefix = ipv4PrefixFor(count);
  return Array.from({ length: count }, (_, i) => {
    const name = `pool-${String(i).padStart(5, '0')}`;
    return i % 2 === 0 ? ipv4Pool(i / 2, name, prefix) : ipv6Pool((i - 1) / 2, name);
  });
}

function serviceObject(i: number, ips: string[], pool: string | null): Obj {
  const namespace = `ns-${i % 50}`;
  const annotations = pool === null ? {} : { 'metallb.io/ip-allocated-from-pool': pool };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `svc-${i}`, namespace, annotations, labels: { app: `app-${i % 100}` } },
    spec: {
      type: 'LoadBalancer',
      ports: [{ port: 80, protocol: 'TCP' }],
      selector: { app: `app-${i % 100}` },
      externalTrafficPolicy: 'Cluster',
    },
    status: { loadBalancer: ips.length === 0 ? {} : { ingress: ips.map((ip) => ({ ip })) } },
  };
}

// Distinct addresses in no pool: the three IPv4 documentation /24s.
const ORPHAN_BLOCKS = ['192.0.2', '198.51.100', '203.0.113'];
const orphanIp = (k: number): string => `${ORPHAN_BLOCKS[Math.floor(k / 254) % 3]}.${(k % 254) + 1}`;

// ~1% orphans (in no pool), ~1% pending, the rest spread over every pool.
function generateServices(count: number, pools: readonly GeneratedPool[]): Obj[] {
  const used = new Map<number, number>();
  return Array.from({ length: count }, (_, i) => {
    if (i % 100 === 7) return serviceObject(i, [orphanIp(Math.floor(i / 100))], 'deleted-pool');
    if (i % 100 === 13) return serviceObject(i, [], null);
    const p = i % pools.length;
    const n = used.get(p) ?? 0;
    used.set(p, n + 1);
    const pool = pools[p]!;
    return serviceObject(i, [pool.address(n % pool.size)], (pool.object['metadata'] as Obj)['name'] as string);
  });
}

function generateAdvertisements(count: number, pools: readonly GeneratedPool[]): Obj[] {
  const names = pools.map((p) => (p.object['metadata'] as Obj)['name'] as string);
  const per = Math.ceil(names.length / count);
  return Array.from({ length: count }, (_, i) => {
    const ipAddressPools = names.slice(i * per, (i + 1) * per);
    const kind = i % 4 === 0 ? 'BGPAdvertisement' : 'L2Advertisement';
    const spec: Obj = {
      ipAddressPools,
      ...(i % 10 === 5 ? { ipAddressPoolSelectors: [{ matchLabels: { tier: 't3' } }] } : {}),
    };
    // Valid for every generated entry (largest summary block of an IPv4 range: two bits below the
    // block's prefix; /121 for IPv6 ranges).
    const aggregationLength = ipv4PrefixFor(names.length) + 2;
    if (kind === 'BGPAdvertisement')
      Object.assign(spec, { aggregationLength, aggregationLengthV6: 124, communities: ['65000:100'] });
    return { apiVersion: 'metallb.io/v1beta1', kind, metadata: { name: `adv-${i}`, namespace: NS }, spec };
  });
}

function installation(): Obj[] {
  const labels = (component: string) => ({ app: 'metallb', component });
  const container = (c: string) => [{ name: c, image: `quay.io/metallb/${c}:v0.16.1` }];
  const crd = (plural: string, version = 'v1beta1') => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.metallb.io` },
    spec: {
      group: 'metallb.io',
      names: { kind: plural, plural },
      versions: [{ name: version, served: true, storage: true }],
    },
    status: { storedVersions: [version] },
  });
  return [
    ...Array.from({ length: 50 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: `ns-${i}`, labels: { team: `t${i % 5}` } },
    })),
    ...Array.from({ length: 20 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: `node-${i}`, labels: { zone: `z${i % 3}` } },
    })),
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'controller', namespace: NS, labels: labels('controller'), generation: 1 },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels('controller') },
        template: { spec: { containers: container('controller') } },
      },
      status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'speaker', namespace: NS, labels: labels('speaker'), generation: 1 },
      spec: { selector: { matchLabels: labels('speaker') }, template: { spec: { containers: container('speaker') } } },
      status: { observedGeneration: 1, desiredNumberScheduled: 20, updatedNumberScheduled: 20, numberAvailable: 20 },
    },
    ...[
      'ipaddresspools',
      'l2advertisements',
      'bgpadvertisements',
      'communities',
      'bfdprofiles',
      'servicel2statuses',
      'servicebgpstatuses',
      'configurationstates',
    ].map((p) => crd(p)),
    crd('bgppeers', 'v1beta2'),
  ];
}

/** Controller and speaker JSON log lines, one a second up to NOW; every tenth controller line an error. */
export function generateLogs(lines: number): { controller: string; speaker: string } {
  const ts = (i: number) => new Date(Date.parse(NOW) - (lines - i) * 1000).toISOString().replace('.000', '');
  const controller = Array.from({ length: lines }, (_, i) =>
    i % 10 === 0
      ? JSON.stringify({
          caller: 'service.go:179',
          error: 'no available IPs',
          level: 'error',
          msg: 'IP allocation failed',
          op: 'allocateIPs',
          ts: ts(i),
        })
      : JSON.stringify({
          caller: 'service.go:186',
          event: 'ipAllocated',
          ip: [`198.18.0.${i % 250}`],
          level: 'info',
          msg: 'IP address assigned by controller',
          ts: ts(i),
        }),
  );
  const speaker = Array.from({ length: lines }, (_, i) =>
    JSON.stringify({
      caller: 'main.go:444',
      event: 'serviceAnnounced',
      level: 'info',
      msg: 'service has IP, announcing',
      ts: ts(i),
    }),
  );
  return { controller: controller.join('\n'), speaker: speaker.join('\n') };
}

/** Every object of a generated cluster of this shape, as a dump would list them. */
export function generateCluster(shape: Shape): unknown[] {
  const pools = generatePools(shape.pools);
  return [
    ...installation(),
    ...pools.map((p) => p.object),
    ...generateAdvertisements(shape.advertisements, pools),
    ...generateServices(shape.services, pools),
  ];
}
