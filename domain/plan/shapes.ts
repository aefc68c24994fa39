// The shape of each MetalLB kind as the API server checks it: the CRDs' OpenAPI schemas (types,
// required fields, minimum/maximum, enums) and CEL rules of config/crd/bases at v0.16.1. No CRD sets
// x-kubernetes-preserve-unknown-fields, so the API server prunes unknown fields instead of refusing
// them; we report those as our own problem (a typo such as `autoasign` silently does nothing).
import { z } from 'zod';
import { parseGoDuration } from './go-format.js';
import type { ConfigKind } from './types.js';

const uint32Max = 4294967295;

const LabelSelectorShape = z.strictObject({
  matchLabels: z.record(z.string(), z.string()).nullish(),
  matchExpressions: z
    .array(z.strictObject({ key: z.string(), operator: z.string(), values: z.array(z.string()).nullish() }))
    .nullish(),
});

const selectors = z.array(LabelSelectorShape).nullish();
const names = z.array(z.string()).nullish();
const bounded = (min: number, max?: number) => {
  const base = z.number().int().min(min);
  return (max === undefined ? base : base.max(max)).nullish();
};

export const PoolSpecShape = z.strictObject({
  addresses: z.array(z.string()),
  autoAssign: z.boolean().nullish(),
  avoidBuggyIPs: z.boolean().nullish(),
  serviceAllocation: z
    .strictObject({
      priority: z.number().int().nullish(),
      namespaces: names,
      namespaceSelectors: selectors,
      serviceSelectors: selectors,
    })
    .nullish(),
});

const advertisementFields = {
  ipAddressPools: names,
  ipAddressPoolSelectors: selectors,
  nodeSelectors: selectors,
  serviceSelectors: selectors,
};

export const L2AdvertisementSpecShape = z.strictObject({ ...advertisementFields, interfaces: names });

const aggregationCel =
  'serviceSelectors and aggregationLength are mutually exclusive, can only be used together with default ' +
  'aggregationLength (32) and aggregationLengthV6 (128)';

export const BGPAdvertisementSpecShape = z
  .strictObject({
    ...advertisementFields,
    aggregationLength: bounded(1),
    aggregationLengthV6: z.number().int().nullish(),
    localPref: z.number().int().nullish(),
    communities: names,
    peers: names,
  })
  .refine(
    (spec) =>
      (spec.serviceSelectors ?? []).length === 0 ||
      ((spec.aggregationLength ?? 32) === 32 && (spec.aggregationLengthV6 ?? 128) === 128),
    { message: aggregationCel, path: [] },
  );

const connectTime = z
  .string()
  .refine((text) => {
    const seconds = parseGoDuration(text);
    return seconds !== null && seconds >= 1 && seconds < 65536;
  }, 'connect time should be between 1 seconds to 65535')
  .refine(
    (text) => Number.isInteger(parseGoDuration(text) ?? 0),
    'connect time should contain a whole number of seconds',
  )
  .nullish();

const peerCommon = {
  myASN: z.number().int().min(0).max(uint32Max),
  peerASN: bounded(0, uint32Max),
  peerAddress: z.string().nullish(),
  sourceAddress: z.string().nullish(),
  holdTime: z.string().nullish(),
  keepaliveTime: z.string().nullish(),
  routerID: z.string().nullish(),
  nodeSelectors: selectors,
  password: z.string().nullish(),
  bfdProfile: z.string().nullish(),
  ebgpMultiHop: z.boolean().nullish(),
};

export const BGPPeerSpecShape = z.strictObject({
  ...peerCommon,
  dynamicASN: z.enum(['internal', 'external']).nullish(),
  peerPort: bounded(1, 16384),
  connectTime,
  passwordSecret: z.strictObject({ name: z.string().nullish(), namespace: z.string().nullish() }).nullish(),
  enableGracefulRestart: z.boolean().nullish(),
  vrf: z.string().nullish(),
  disableMP: z.boolean().nullish(),
  dualStackAddressFamily: z.boolean().nullish(),
  interface: z.string().nullish(),
  localASN: bounded(1, uint32Max),
});

/** metallb.io/v1beta1 BGPPeer (deprecated; served, converted to v1beta2). */
export const BGPPeerV1beta1SpecShape = z.strictObject({
  ...peerCommon,
  peerASN: z.number().int().min(0).max(uint32Max),
  peerAddress: z.string(),
  peerPort: bounded(0, 16384),
});

export const CommunitySpecShape = z.strictObject({
  communities: z.array(z.strictObject({ name: z.string().nullish(), value: z.string().nullish() })).nullish(),
});

export const BFDProfileSpecShape = z.strictObject({
  detectMultiplier: bounded(2, 255),
  echoInterval: bounded(10, 60000),
  echoMode: z.boolean().nullish(),
  minimumTtl: bounded(1, 254),
  passiveMode: z.boolean().nullish(),
  receiveInterval: bounded(10, 60000),
  transmitInterval: bounded(10, 60000),
});

export type PoolSpec = z.infer<typeof PoolSpecShape>;
export type L2AdvertisementSpec = z.infer<typeof L2AdvertisementSpecShape>;
export type BGPAdvertisementSpec = z.infer<typeof BGPAdvertisementSpecShape>;
export type BGPPeerSpec = z.infer<typeof BGPPeerSpecShape>;
export type CommunitySpec = z.infer<typeof CommunitySpecShape>;
export type BFDProfileSpec = z.infer<typeof BFDProfileSpecShape>;
export type LabelSelectorSpec = z.infer<typeof LabelSelectorShape>;

/** The API versions the API server serves per kind (anything else: "no matches for kind"). */
export const servedVersions: Record<ConfigKind, readonly string[]> = {
  IPAddressPool: ['metallb.io/v1beta1'],
  L2Advertisement: ['metallb.io/v1beta1'],
  BGPAdvertisement: ['metallb.io/v1beta1'],
  BGPPeer: ['metallb.io/v1beta1', 'metallb.io/v1beta2'],
  Community: ['metallb.io/v1beta1'],
  BFDProfile: ['metallb.io/v1beta1'],
};

/** The spec shape of a kind at an API version. */
export function specShapeOf(kind: ConfigKind, apiVersion: string): z.ZodType {
  if (kind === 'BGPPeer' && apiVersion === 'metallb.io/v1beta1') return BGPPeerV1beta1SpecShape;
  const shapes: Record<ConfigKind, z.ZodType> = {
    IPAddressPool: PoolSpecShape,
    L2Advertisement: L2AdvertisementSpecShape,
    BGPAdvertisement: BGPAdvertisementSpecShape,
    BGPPeer: BGPPeerSpecShape,
    Community: CommunitySpecShape,
    BFDProfile: BFDProfileSpecShape,
  };
  return shapes[kind];
}

/** Kinds whose CRD requires `spec`; for the others a missing spec is an empty one. */
export const specRequired: ReadonlySet<ConfigKind> = new Set(['IPAddressPool']);
