// Stub activities for the fast workflow tests: a small healthy cluster (one pool, two Services,
// two config objects), every call recorded with its input. A test overrides the ones it needs.
import type { RunbookActivities } from '../../../activities/index.js';
import type { BackupEntry, ConfigBackup } from '../../../domain/runbooks/backup.js';
import type { ClusterFacts, ServiceFacts } from '../../../domain/runbooks/service-facts.js';
import type { ChangePlan, PlanStep } from '../../../domain/plan/types.js';

export interface ActivityCall {
  name: string;
  input: unknown;
}

export const service = (key: string, ips: string[], extra: Partial<ServiceFacts> = {}): ServiceFacts => ({
  key,
  served: true,
  ips,
  loadBalancerIP: null,
  annotations: {},
  resourceVersion: '1',
  ...extra,
});

export const facts: ClusterFacts = {
  services: [service('shop/web', ['192.0.2.1']), service('shop/api', ['192.0.2.2'])],
  pools: [{ name: 'pool-a', addresses: ['192.0.2.0/28'], avoidBuggyIPs: false }],
};

const entry = (kind: BackupEntry['kind'], plural: string, name: string, spec: unknown): BackupEntry => ({
  kind,
  plural,
  version: 'v1beta1',
  name,
  namespace: 'metallb-system',
  uid: `uid-${name}`,
  resourceVersion: '7',
  manifest: { apiVersion: 'metallb.io/v1beta1', kind, metadata: { name, namespace: 'metallb-system' }, spec },
});

export const backup: ConfigBackup = {
  namespace: 'metallb-system',
  objects: [
    entry('IPAddressPool', 'ipaddresspools', 'pool-a', { addresses: ['192.0.2.0/28'] }),
    entry('L2Advertisement', 'l2advertisements', 'l2', { ipAddressPools: ['pool-a'] }),
  ],
  secrets: [],
} as unknown as ConfigBackup;

/** A plan as the planner returns it: valid, safe, these steps, based on the config fingerprint "base-1". */
export const planOf = (steps: PlanStep[], extra: Partial<ChangePlan> = {}): ChangePlan => ({
  schemaVersion: 1,
  target: { namespace: 'metallb-system', metallbVersion: 'v0.16.1', bgpType: 'native' },
  valid: true,
  safe: true,
  problems: [],
  refusals: [],
  changes: [],
  impact: [],
  unannouncedPools: [],
  steps,
  basedOn: 'base-1',
  ...extra,
});

/** The default apply plan: add an L2Advertisement, then widen pool-a. */
export const applyPlanSteps: PlanStep[] = [
  {
    action: 'create',
    kind: 'L2Advertisement',
    name: 'l2-b',
    why: 'create L2Advertisement/l2-b',
    manifest: { apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name: 'l2-b' }, spec: {} },
  },
  {
    action: 'update',
    kind: 'IPAddressPool',
    name: 'pool-a',
    why: 'widen pool-a',
    manifest: {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: { name: 'pool-a' },
      spec: { addresses: ['192.0.2.0/27'] },
    },
  },
];

type Stubs = { [Name in keyof RunbookActivities]: (input: never) => Promise<unknown> };

/** findMetallbWorkloads stubbed to report MetalLB at this version in metallb-system. */
export const metallbAt = (version: string) => async () => ({
  namespace: 'metallb-system',
  controller: 'controller',
  speaker: 'speaker',
  lbClass: null,
  version,
});

const healthy: Stubs = {
  findMetallbWorkloads: metallbAt('v0.16.1'),
  readClusterFacts: async () => facts,
  restartWorkload: async () => ({ generation: 2, changed: true }),
  waitForRolloutComplete: async () => ({
    message: 'successfully rolled out',
    pods: [{ name: 'new-pod', node: null, labels: {}, ready: true, terminating: false }],
  }),
  checkControllerLog: async () => [{ pod: 'new-pod', lines: 10, allocationErrors: [] }],
  checkSpeakers: async () => ({ statesChecked: 1, logLines: 5 }),
  waitForServiceIpsInPools: async () => facts.services,
  exportMetallbConfig: async () => backup,
  rewriteConfigObject: async (ref: { kind: string; name: string }) => ({
    ref: `${ref.kind}/${ref.name}`,
    rewritten: false,
    resourceVersionBefore: '7',
    resourceVersionAfter: '7',
  }),
  trimStoredVersions: async (input: { plural: string }) => ({
    crd: input.plural,
    before: ['v1beta1'],
    after: ['v1beta1'],
    rewrittenElsewhere: 0,
  }),
  pinServiceIps: async (input: { pins: unknown[] }) => ({ pinned: input.pins, skipped: [] }),
  unpinServiceIps: async (input: { services: string[] }) => ({ unpinned: input.services }),
  deleteConfigObject: async (entry: BackupEntry) => ({
    ref: `${entry.kind}/${entry.name}`,
    deleted: true,
    at: new Date().toISOString(),
  }),
  waitForDeletionsProcessed: async () => ({ evidence: 'pinned Services cleared' }),
  createConfigObject: async () => ({ created: true }),
  releaseAutoAssign: async (pool: BackupEntry) => ({ ref: `IPAddressPool/${pool.name}`, autoAssign: null }),
  waitForServiceIps: async (input: { expected: { service: string; ips: string[] }[] }) =>
    input.expected.map((pin) => ({ ...pin, gone: false })),
  restoreConfigObject: async (input: { entry: BackupEntry }) => ({
    ref: `${input.entry.kind}/${input.entry.name}`,
    action: 'unchanged',
  }),
  verifyConfigMatchesBackup: async (input: { entries: unknown[] }) => ({ checked: input.entries.length }),
  findOrphanedServices: async () => ({ orphans: [], before: facts.services }),
  releaseServiceRequest: async (plan: { service: string }) => ({ service: plan.service, removed: [] }),
  clearOrphanedIngress: async (input: { service: string }) => ({ service: input.service, cleared: [] }),
  planLiveChange: async () => ({ plan: planOf(applyPlanSteps), findings: [] }),
  writeConfigObject: async (request: { action: string; entry: BackupEntry }) => ({
    ref: `${request.entry.kind}/${request.entry.name}`,
    action: request.action === 'create' ? 'created' : 'updated',
    uid: request.entry.uid || `uid-new-${request.entry.name}`,
    at: new Date().toISOString(),
  }),
  waitForChangeProcessed: async () => ({ evidence: 'controller logged "config reloaded" after the write' }),
  checkChangeHealth: async () => ({ controllerErrors: [], speakerProblems: [], newFindings: [] }),
  keepAuditRecord: async () => ({ seq: 1 }),
};

/** Every activity, recording its calls in `calls`; `overrides` replace the healthy defaults. */
export function defaultStubs(calls: ActivityCall[], overrides: Partial<RunbookActivities>): RunbookActivities {
  const chosen: Record<string, (input: never) => Promise<unknown>> = { ...healthy, ...overrides };
  const recorded = Object.entries(chosen).map(([name, stub]) => [
    name,
    (input: never) => {
      calls.push({ name, input });
      return stub(input);
    },
  ]);
  return Object.fromEntries(recorded);
}
