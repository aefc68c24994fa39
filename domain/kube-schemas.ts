// Loose zod schemas for the Kubernetes and metallb.io objects a diagnosis reads. Only the fields we
// read are validated; everything else passes through. Output is JSON-safe (timestamps become ISO
// strings even when the input came from @kubernetes/client-node with Date objects).
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Shared pieces

/** RFC3339 string, or a Date from client-node; always an ISO/RFC3339 string afterwards. */
export const TimestampSchema = z
  .union([z.string(), z.date()])
  .transform((v) => (typeof v === 'string' ? v : v.toISOString()));

/** int64 counters arrive as numbers (or strings from some encoders). */
const CounterSchema = z.union([z.number(), z.string().regex(/^-?\d+$/)]).transform(Number);

const StringMapSchema = z.record(z.string(), z.string());

export const LabelSelectorSchema = z.looseObject({
  matchLabels: StringMapSchema.nullish(),
  matchExpressions: z
    .array(z.looseObject({ key: z.string(), operator: z.string(), values: z.array(z.string()).nullish() }))
    .nullish(),
});
export type LabelSelectorInput = z.infer<typeof LabelSelectorSchema>;

export const ObjectMetaSchema = z.looseObject({
  name: z.string().min(1),
  namespace: z.string().nullish(),
  labels: StringMapSchema.nullish(),
  annotations: StringMapSchema.nullish(),
  generation: z.number().nullish(),
  creationTimestamp: TimestampSchema.nullish(),
  uid: z.string().nullish(),
});
export type ObjectMeta = z.infer<typeof ObjectMetaSchema>;

const ConditionSchema = z.looseObject({
  type: z.string(),
  status: z.string().nullish(),
  reason: z.string().nullish(),
  message: z.string().nullish(),
  lastTransitionTime: TimestampSchema.nullish(),
});
export type Condition = z.infer<typeof ConditionSchema>;

const ContainerSchema = z.looseObject({
  name: z.string(),
  image: z.string().nullish(),
  args: z.array(z.string()).nullish(),
  command: z.array(z.string()).nullish(),
});
export type Container = z.infer<typeof ContainerSchema>;

const PodTemplateSchema = z.looseObject({
  metadata: z.looseObject({ labels: StringMapSchema.nullish() }).nullish(),
  spec: z.looseObject({ containers: z.array(ContainerSchema).nullish() }).nullish(),
});

const kindOf = <K extends string>(kind: K) => z.literal(kind);

// ---------------------------------------------------------------------------------------------
// Core and apps

export const ServiceSchema = z.looseObject({
  apiVersion: z.string(),
  kind: kindOf('Service'),
  metadata: ObjectMetaSchema,
  spec: z
    .looseObject({
      type: z.string().nullish(),
      loadBalancerIP: z.string().nullish(),
      loadBalancerClass: z.string().nullish(),
      externalTrafficPolicy: z.string().nullish(),
      selector: StringMapSchema.nullish(),
      ipFamilies: z.array(z.string()).nullish(),
      ipFamilyPolicy: z.string().nullish(),
      ports: z
        .array(z.looseObject({ port: z.number(), protocol: z.string().nullish(), name: z.string().nullish() }))
        .nullish(),
    })
    .nullish(),
  status: z
    .looseObject({
      loadBalancer: z
        .looseObject({
          ingress: z.array(z.looseObject({ ip: z.string().nullish(), hostname: z.string().nullish() })).nullish(),
        })
        .nullish(),
    })
    .nullish(),
});
export type Service = z.infer<typeof ServiceSchema>;

/** Events of both API groups, normalised to one shape. */
export interface KubeEvent {
  apiVersion: 'v1' | 'events.k8s.io/v1';
  namespace: string | null;
  name: string;
  regarding: { kind: string | null; namespace: string | null; name: string | null };
  reason: string | null;
  message: string | null;
  type: string | null;
  count: number;
  /** Latest time the event was seen (series, lastTimestamp, eventTime, first, creation). */
  lastTime: string | null;
  firstTime: string | null;
  source: string | null;
}

const ObjectReferenceSchema = z.looseObject({
  kind: z.string().nullish(),
  namespace: z.string().nullish(),
  name: z.string().nullish(),
});

const SeriesSchema = z
  .looseObject({ count: z.number().nullish(), lastObservedTime: TimestampSchema.nullish() })
  .nullish();

type ObjectReference = z.infer<typeof ObjectReferenceSchema>;

/** The first value that is set (neither null nor undefined), else `fallback`: Go's "first non-zero field". */
const firstSet = <T>(fallback: T, ...values: (T | null | undefined)[]): T =>
  values.find((value): value is T => value !== null && value !== undefined) ?? fallback;

/** The object an event is about; its namespace defaults to the event's own. */
const regardingOf = (ref: ObjectReference | null | undefined, meta: ObjectMeta): KubeEvent['regarding'] => ({
  kind: ref?.kind ?? null,
  namespace: firstSet(null, ref?.namespace, meta.namespace),
  name: ref?.name ?? null,
});

export const CoreEventSchema = z
  .looseObject({
    apiVersion: z.literal('v1'),
    kind: kindOf('Event'),
    metadata: ObjectMetaSchema,
    involvedObject: ObjectReferenceSchema,
    reason: z.string().nullish(),
    message: z.string().nullish(),
    type: z.string().nullish(),
    count: z.number().nullish(),
    firstTimestamp: TimestampSchema.nullish(),
    lastTimestamp: TimestampSchema.nullish(),
    eventTime: TimestampSchema.nullish(),
    series: SeriesSchema,
    source: z.looseObject({ component: z.string().nullish() }).nullish(),
    reportingComponent: z.string().nullish(),
  })
  .transform((e): KubeEvent => ({
    apiVersion: 'v1',
    namespace: e.metadata.namespace ?? null,
    name: e.metadata.name,
    regarding: regardingOf(e.involvedObject, e.metadata),
    reason: e.reason ?? null,
    message: e.message ?? null,
    type: e.type ?? null,
    count: firstSet(1, e.series?.count, e.count),
    lastTime: firstSet(
      null,
      e.series?.lastObservedTime,
      e.lastTimestamp,
      e.eventTime,
      e.firstTimestamp,
      e.metadata.creationTimestamp,
    ),
    firstTime: firstSet(null, e.firstTimestamp, e.eventTime, e.metadata.creationTimestamp),
    source: e.source?.component || e.reportingComponent || null,
  }));

export const EventsV1EventSchema = z
  .looseObject({
    apiVersion: z.literal('events.k8s.io/v1'),
    kind: kindOf('Event'),
    metadata: ObjectMetaSchema,
    regarding: ObjectReferenceSchema.nullish(),
    reason: z.string().nullish(),
    note: z.string().nullish(),
    type: z.string().nullish(),
    eventTime: TimestampSchema.nullish(),
    series: SeriesSchema,
    deprecatedCount: z.number().nullish(),
    deprecatedFirstTimestamp: TimestampSchema.nullish(),
    deprecatedLastTimestamp: TimestampSchema.nullish(),
    reportingController: z.string().nullish(),
  })
  .transform((e): KubeEvent => ({
    apiVersion: 'events.k8s.io/v1',
    namespace: e.metadata.namespace ?? null,
    name: e.metadata.name,
    regarding: regardingOf(e.regarding, e.metadata),
    reason: e.reason ?? null,
    message: e.note ?? null,
    type: e.type ?? null,
    count: firstSet(1, e.series?.count, e.deprecatedCount),
    lastTime: firstSet(
      null,
      e.series?.lastObservedTime,
      e.deprecatedLastTimestamp,
      e.eventTime,
      e.deprecatedFirstTimestamp,
      e.metadata.creationTimestamp,
    ),
    firstTime: firstSet(null, e.deprecatedFirstTimestamp, e.eventTime, e.metadata.creationTimestamp),
    source: e.reportingController ?? null,
  }));

export const PodSchema = z.looseObject({
  apiVersion: z.string(),
  kind: kindOf('Pod'),
  metadata: ObjectMetaSchema,
  spec: z.looseObject({ nodeName: z.string().nullish(), containers: z.array(ContainerSchema).nullish() }).nullish(),
  status: z
    .looseObject({
      phase: z.string().nullish(),
      conditions: z.array(ConditionSchema).nullish(),
      containerStatuses: z
        .array(
          z.looseObject({
            name: z.string(),
            ready: z.boolean().nullish(),
            restartCount: z.number().nullish(),
            state: z
              .looseObject({
                waiting: z.looseObject({ reason: z.string().nullish(), message: z.string().nullish() }).nullish(),
              })
              .nullish(),
            lastState: z
              .looseObject({
                terminated: z
                  .looseObject({
                    reason: z.string().nullish(),
                    exitCode: z.number().nullish(),
                    finishedAt: TimestampSchema.nullish(),
                  })
                  .nullish(),
              })
              .nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
});
export type Pod = z.infer<typeof PodSchema>;

export const DeploymentSchema = z.looseObject({
  apiVersion: z.string(),
  kind: kindOf('Deployment'),
  metadata: ObjectMetaSchema,
  spec: z
    .looseObject({
      replicas: z.number().nullish(),
      selector: LabelSelectorSchema.nullish(),
      template: PodTemplateSchema.nullish(),
    })
    .nullish(),
  status: z
    .looseObject({
      observedGeneration: z.number().nullish(),
      replicas: z.number().nullish(),
      updatedReplicas: z.number().nullish(),
      readyReplicas: z.number().nullish(),
      availableReplicas: z.number().nullish(),
      conditions: z.array(ConditionSchema).nullish(),
    })
    .nullish(),
});
export type Deployment = z.infer<typeof DeploymentSchema>;

export const DaemonSetSchema = z.looseObject({
  apiVersion: z.string(),
  kind: kindOf('DaemonSet'),
  metadata: ObjectMetaSchema,
  spec: z
    .looseObject({
      selector: LabelSelectorSchema.nullish(),
      template: PodTemplateSchema.nullish(),
      updateStrategy: z.looseObject({ type: z.string().nullish() }).nullish(),
    })
    .nullish(),
  status: z
    .looseObject({
      observedGeneration: z.number().nullish(),
      desiredNumberScheduled: z.number().nullish(),
      currentNumberScheduled: z.number().nullish(),
      updatedNumberScheduled: z.number().nullish(),
      numberReady: z.number().nullish(),
      numberAvailable: z.number().nullish(),
      numberUnavailable: z.number().nullish(),
    })
    .nullish(),
});
export type DaemonSet = z.infer<typeof DaemonSetSchema>;

export const NodeSchema = z.looseObject({
  apiVersion: z.string(),
  kind: kindOf('Node'),
  metadata: ObjectMetaSchema,
  spec: z.looseObject({ unschedulable: z.boolean().nullish() }).nullish(),
});
export type Node = z.infer<typeof NodeSchema>;

export const NamespaceSchema = z.looseObject({
  apiVersion: z.string(),
  kind: kindOf('Namespace'),
  metadata: ObjectMetaSchema,
});
export type Namespace = z.infer<typeof NamespaceSchema>;

export const ConfigMapSchema = z.looseObject({
  apiVersion: z.string(),
  kind: kindOf('ConfigMap'),
  metadata: ObjectMetaSchema,
  data: StringMapSchema.nullish(),
});
export type ConfigMap = z.infer<typeof ConfigMapSchema>;

export const CustomResourceDefinitionSchema = z.looseObject({
  apiVersion: z.string(),
  kind: kindOf('CustomResourceDefinition'),
  metadata: ObjectMetaSchema,
  spec: z.looseObject({
    group: z.string(),
    names: z.looseObject({ kind: z.string(), plural: z.string() }),
    versions: z
      .array(
        z.looseObject({
          name: z.string(),
          served: z.boolean(),
          storage: z.boolean(),
          deprecated: z.boolean().nullish(),
        }),
      )
      .default([]),
    conversion: z.looseObject({ strategy: z.string().nullish() }).nullish(),
  }),
  status: z.looseObject({ storedVersions: z.array(z.string()).nullish() }).nullish(),
});
export type CustomResourceDefinition = z.infer<typeof CustomResourceDefinitionSchema>;

// ---------------------------------------------------------------------------------------------
// metallb.io

const metallb = <K extends string, S extends z.ZodType>(kind: K, spec: S) =>
  z.looseObject({
    apiVersion: z.string().startsWith('metallb.io/'),
    kind: kindOf(kind),
    metadata: ObjectMetaSchema,
    spec,
  });

export const IPAddressPoolSchema = metallb(
  'IPAddressPool',
  z.looseObject({
    addresses: z.array(z.string()).default([]),
    autoAssign: z.boolean().nullish(),
    avoidBuggyIPs: z.boolean().nullish(),
    serviceAllocation: z
      .looseObject({
        priority: z.number().nullish(),
        namespaces: z.array(z.string()).nullish(),
        namespaceSelectors: z.array(LabelSelectorSchema).nullish(),
        serviceSelectors: z.array(LabelSelectorSchema).nullish(),
      })
      .nullish(),
  }),
).extend({
  status: z
    .looseObject({
      assignedIPv4: CounterSchema.nullish(),
      assignedIPv6: CounterSchema.nullish(),
      availableIPv4: CounterSchema.nullish(),
      availableIPv6: CounterSchema.nullish(),
    })
    .nullish(),
});
export type IPAddressPool = z.infer<typeof IPAddressPoolSchema>;

const advertisementSpec = {
  ipAddressPools: z.array(z.string()).nullish(),
  ipAddressPoolSelectors: z.array(LabelSelectorSchema).nullish(),
  nodeSelectors: z.array(LabelSelectorSchema).nullish(),
  serviceSelectors: z.array(LabelSelectorSchema).nullish(),
};

export const L2AdvertisementSchema = metallb(
  'L2Advertisement',
  z.looseObject({ ...advertisementSpec, interfaces: z.array(z.string()).nullish() }).default({}),
);
export type L2Advertisement = z.infer<typeof L2AdvertisementSchema>;

export const BGPAdvertisementSchema = metallb(
  'BGPAdvertisement',
  z
    .looseObject({
      ...advertisementSpec,
      aggregationLength: z.number().int().nullish(),
      aggregationLengthV6: z.number().int().nullish(),
      localPref: z.number().nullish(),
      communities: z.array(z.string()).nullish(),
      peers: z.array(z.string()).nullish(),
    })
    .default({}),
);
export type BGPAdvertisement = z.infer<typeof BGPAdvertisementSchema>;

export const BGPPeerSchema = metallb(
  'BGPPeer',
  z.looseObject({
    myASN: z.number().nullish(),
    peerASN: z.number().nullish(),
    dynamicASN: z.string().nullish(),
    peerAddress: z.string().nullish(),
    interface: z.string().nullish(),
    bfdProfile: z.string().nullish(),
    // v1beta1 uses a legacy NodeSelector type; both carry matchLabels/matchExpressions.
    nodeSelectors: z.array(LabelSelectorSchema).nullish(),
  }),
).extend({ apiVersion: z.enum(['metallb.io/v1beta1', 'metallb.io/v1beta2']) });
export type BGPPeer = z.infer<typeof BGPPeerSchema>;

export const CommunitySchema = metallb(
  'Community',
  z.looseObject({ communities: z.array(z.looseObject({ name: z.string(), value: z.string() })).nullish() }).default({}),
);
export type Community = z.infer<typeof CommunitySchema>;

export const BFDProfileSchema = metallb('BFDProfile', z.looseObject({}).default({}));
export type BFDProfile = z.infer<typeof BFDProfileSchema>;

export const ConfigurationStateSchema = metallb('ConfigurationState', z.looseObject({}).nullish()).extend({
  status: z
    .looseObject({
      result: z.string().nullish(),
      errorSummary: z.string().nullish(),
      conditions: z.array(ConditionSchema).nullish(),
    })
    .nullish(),
});
export type ConfigurationState = z.infer<typeof ConfigurationStateSchema>;

const AnnouncedServiceSchema = z.looseObject({
  node: z.string().nullish(),
  serviceName: z.string().nullish(),
  serviceNamespace: z.string().nullish(),
});

/** Written by the speaker announcing a Service in L2 mode (v0.14.4+, reliable from v0.14.6). */
export const ServiceL2StatusSchema = metallb('ServiceL2Status', z.looseObject({}).nullish()).extend({
  status: AnnouncedServiceSchema.extend({
    interfaces: z.array(z.looseObject({ name: z.string().nullish() })).nullish(),
  }).nullish(),
});
export type ServiceL2Status = z.infer<typeof ServiceL2StatusSchema>;

/** Written by each speaker advertising a Service over BGP (v0.15+). */
export const ServiceBGPStatusSchema = metallb('ServiceBGPStatus', z.looseObject({}).nullish()).extend({
  status: AnnouncedServiceSchema.extend({ peers: z.array(z.string()).nullish() }).nullish(),
});
export type ServiceBGPStatus = z.infer<typeof ServiceBGPStatusSchema>;

/** Pre-0.14.3 `AddressPool` (v1alpha1/v1beta1), removed from the manifests in v0.14.3. */
export const LegacyAddressPoolSchema = metallb(
  'AddressPool',
  z.looseObject({
    protocol: z.string().nullish(),
    addresses: z.array(z.string()).default([]),
    autoAssign: z.boolean().nullish(),
    avoidBuggyIPs: z.boolean().nullish(),
  }),
);
export type LegacyAddressPool = z.infer<typeof LegacyAddressPoolSchema>;
