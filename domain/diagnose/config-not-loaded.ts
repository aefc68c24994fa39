// Check 5: configuration the controller or speakers did not load: ConfigurationState (v0.15.3+),
// IPAddressPool status counters (v0.15+) that contradict spec.addresses, pools MetalLB's parser
// rejects (bad entries, overlaps), references speakers reject, and input we could not read.
import { findOverlaps, type AddressOverlap } from '../addresses.js';
import type { ConfigurationState } from '../kube-schemas.js';
import type { SnapshotProblem } from '../snapshot.js';
import { TRANSIENT_WINDOW_MS } from './component-errors.js';
import type { DiagnoseContext, Rule } from './context.js';
import { findingsOf } from './finding.js';
import { manualFix, reapplyConfigFix, restartControllerFix, restartSpeakersFix } from './fixes.js';
import { poolRef, type PoolView } from './pools.js';
import type { Finding, Fix, ObjectRef } from './report.js';
import { atLeast, GATES } from './version.js';

const finding = findingsOf('config-not-loaded');

const WHOLE_CONFIG_REJECTED =
  'MetalLB parses all pools as one configuration, so this one error makes the controller keep its last good pool set ' +
  '(new and changed pools are not used) and speakers keep their old config. It gets past the webhook when ' +
  'objects are ' +
  'created concurrently or the webhook is disabled or bypassed.';

// ---------------------------------------------------------------------------------------------
// ConfigurationState

const GENERIC_HANDLER_ERROR = 'general handler sync state error';

function componentOf(state: ConfigurationState): 'controller' | 'speaker' {
  const type = state.metadata.labels?.['metallb.io/component-type'];
  if (type === 'controller' || type === 'speaker') return type;
  return state.metadata.name === 'controller' ? 'controller' : 'speaker';
}

function lastTransition(state: ConfigurationState): number | null {
  const times = (state.status?.conditions ?? [])
    .map((c) => (c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN))
    .filter((t) => !Number.isNaN(t));
  return times.length === 0 ? null : times.reduce((a, b) => Math.max(a, b));
}

const stateRef = (ctx: DiagnoseContext, state: ConfigurationState): ObjectRef => ({
  kind: 'ConfigurationState',
  namespace: state.metadata.namespace ?? ctx.namespace,
  name: state.metadata.name,
});

function invalidState(ctx: DiagnoseContext, state: ConfigurationState): Finding {
  const component = componentOf(state);
  const summary = (state.status?.errorSummary ?? '').trim();
  const generic = summary.includes(GENERIC_HANDLER_ERROR);
  const changed = lastTransition(state);
  // Speakers go Invalid for seconds during every pool edit (fail-static); only a lasting Invalid counts.
  const transient = component === 'speaker' && changed !== null && ctx.now - changed <= TRANSIENT_WINDOW_MS;
  return finding({
    id: 'configuration-state-invalid',
    severity: transient ? 'info' : 'error',
    title:
      `ConfigurationState ${state.metadata.name} reports Invalid: ` +
      `${summary.split('\n')[0] || '(no errorSummary)'}`,
    detail: generic
      ? 'On a speaker this is the fail-static rejection: it still announces an IP the new config does not cover ' +
        '(its log says "new configuration rejected"). It clears once the controller moves that Service.'
      : `The ${component} failed to parse the configuration and keeps its previous one. Full errorSummary: ` +
        `${summary || '(empty)'}`,
    objects: [stateRef(ctx, state)],
    fix: generic
      ? restartSpeakersFix('Restarted speakers load the current configuration from scratch.')
      : reapplyConfigFix(
          'Correct the objects named in the error, then re-apply the configuration so every component reloads it.',
        ),
    data: { component, errorSummary: summary },
  });
}

function unknownState(ctx: DiagnoseContext, state: ConfigurationState): Finding {
  const fixed = atLeast(ctx.version, GATES.configurationStateFixes) === true;
  return finding({
    id: 'configuration-state-unknown',
    severity: fixed ? 'warning' : 'info',
    title: `ConfigurationState ${state.metadata.name} reports Unknown`,
    detail: fixed
      ? 'The component has not reported a condition; it may not be running or may not reach the API server.'
      : 'In v0.15.x a re-created ConfigurationState stays Unknown until the next pool or config event ' +
        '(fixed in v0.16.0), and states of removed nodes linger.',
    objects: [stateRef(ctx, state)],
  });
}

function configurationStates(ctx: DiagnoseContext): Finding[] {
  return ctx.snapshot.configurationStates
    .filter((s) => ctx.inMetallbNamespace(s.metadata.namespace))
    .flatMap((s) => {
      if (s.status?.result === 'Invalid') return [invalidState(ctx, s)];
      if (s.status?.result === 'Unknown') return [unknownState(ctx, s)];
      return [];
    });
}

// ---------------------------------------------------------------------------------------------
// IPAddressPool status vs spec

type PoolStatus = NonNullable<PoolView['pool']['status']>;

// MetalLB's poolCount saturates at MaxInt64 for huge IPv6 pools; such counters cannot be compared.
const COMPARABLE = 2n ** 62n;

function neverLoaded(ctx: DiagnoseContext, pool: PoolView, capacity: bigint, evidence: string): Finding {
  const users = ctx.usage.get(pool.name)?.services.size ?? 0;
  const holders = users > 0 ? ` ${users} Service(s) hold IPs from this pool.` : '';
  return finding({
    id: 'pool-not-loaded',
    severity: users > 0 ? 'error' : 'warning',
    title: `IPAddressPool ${pool.name} has capacity ${capacity} but ${evidence}: the controller never loaded it`,
    detail:
      `The controller writes zeros for a pool its allocator does not know, i.e. its configuration is ` +
      `stale.${holders}`,
    objects: [poolRef(pool)],
    fix: restartControllerFix(
      'A restarted controller loads every pool again (fix any pool or overlap error first, or it will reject ' +
        'them again).',
    ),
    data: { capacity: capacity.toString(), servicesUsingPool: users },
  });
}

function mismatches(pool: PoolView, status: PoolStatus): Finding[] {
  const families = [
    {
      family: 'IPv4',
      capacity: pool.capacity.ipv4,
      reported: (status.assignedIPv4 ?? 0) + (status.availableIPv4 ?? 0),
    },
    {
      family: 'IPv6',
      capacity: pool.capacity.ipv6,
      reported: (status.assignedIPv6 ?? 0) + (status.availableIPv6 ?? 0),
    },
  ];
  return families
    .filter((f) => f.capacity < COMPARABLE && BigInt(Math.round(f.reported)) !== f.capacity)
    .map((f) =>
      finding({
        id: 'pool-status-mismatch',
        severity: 'info',
        title:
          `IPAddressPool ${pool.name} status counts ${f.reported} ${f.family} addresses but spec.addresses ` +
          `holds ${f.capacity}`,
        detail:
          'The status lags the spec: either the controller has not loaded the latest edit (stale config) or it ' +
          'is about to; ' +
          'check again in a minute.',
        objects: [poolRef(pool)],
        data: { family: f.family, statusTotal: f.reported, specCapacity: f.capacity.toString() },
      }),
    );
}

// A loaded pool gets its status within a second of creation; allow for a slow controller.
const STATUS_GRACE_MS = 10_000;

/** v0.15+ writes status for every pool it loads, so a pool without one past the grace period was never loaded. */
function statusMissingTooLong(ctx: DiagnoseContext, pool: PoolView): boolean {
  const created = Date.parse(String(pool.pool.metadata.creationTimestamp ?? ''));
  return Number.isFinite(created) && ctx.now - created > STATUS_GRACE_MS;
}

function statusFindings(ctx: DiagnoseContext, pool: PoolView): Finding[] {
  const status = pool.pool.status;
  if (pool.error !== null || atLeast(ctx.version, GATES.poolStatus) !== true) return [];
  const capacity = pool.capacity.ipv4 + pool.capacity.ipv6;
  if (!status)
    return capacity > 0n && statusMissingTooLong(ctx, pool) ? [neverLoaded(ctx, pool, capacity, 'no status')] : [];
  const counters = [status.assignedIPv4, status.assignedIPv6, status.availableIPv4, status.availableIPv6];
  if (counters.every((n) => (n ?? 0) === 0) && capacity > 0n)
    return [neverLoaded(ctx, pool, capacity, 'its status counters are all 0')];
  return mismatches(pool, status);
}

// ---------------------------------------------------------------------------------------------
// Pools MetalLB's parser rejects

function invalidPools(ctx: DiagnoseContext): Finding[] {
  return ctx.pools.flatMap((pool) =>
    pool.error === null
      ? []
      : [
          finding({
            id: 'pool-invalid',
            severity: 'error',
            title: `IPAddressPool ${pool.name} is invalid: ${pool.error.message}`,
            detail: WHOLE_CONFIG_REJECTED,
            objects: [poolRef(pool)],
            fix: reapplyConfigFix(
              `Fix spec.addresses of ${pool.name} (a single IP is written /32 or /128), then re-apply the ` +
                `configuration.`,
            ),
            data: { error: pool.error.message, entry: pool.error.entry },
          }),
        ],
  );
}

function overlapFinding(ctx: DiagnoseContext, o: AddressOverlap): Finding {
  const names = [...new Set([o.pool, o.otherPool])];
  return finding({
    id: 'pool-overlap',
    severity: 'error',
    title:
      o.pool === o.otherPool
        ? `IPAddressPool ${o.pool} overlaps itself: ${o.message}`
        : `IPAddressPools ${o.pool} and ${o.otherPool} overlap: ${o.message}`,
    detail: WHOLE_CONFIG_REJECTED,
    objects: names.map((name) => poolRef({ name, namespace: ctx.poolsByName.get(name)?.namespace ?? ctx.namespace })),
    fix: overlapFix(ctx, o),
    data: { message: o.message, pool: o.pool, entry: o.entry, otherPool: o.otherPool, otherEntry: o.otherEntry },
  });
}

/** The pool of an overlap the controller never loaded (v0.15+ status), which no Service can hold an IP from. */
function unloadedPoolOf(ctx: DiagnoseContext, o: AddressOverlap): PoolView | undefined {
  return [o.pool, o.otherPool]
    .flatMap((name) => ctx.poolsByName.get(name) ?? [])
    .find((pool) => statusFindings(ctx, pool).some((f) => f.id === 'pool-not-loaded'));
}

// Re-applying cannot remove an overlap: one pool must change. Deleting the pool the controller never loaded
// changes no Service's IP, so that is the command named when the status shows which one it is.
function overlapFix(ctx: DiagnoseContext, o: AddressOverlap): Fix {
  const ns = ctx.namespace ?? 'metallb-system';
  const unloaded = unloadedPoolOf(ctx, o);
  if (unloaded !== undefined && o.pool !== o.otherPool) {
    return manualFix(
      `kubectl -n ${ns} delete ipaddresspool ${unloaded.name}`,
      `The controller never loaded ${unloaded.name}, so no Service holds an IP from it and deleting it changes no ` +
        `IP; the controller then loads the rest of the configuration. Re-create it with addresses no other pool has.`,
    );
  }
  return manualFix(
    `kubectl -n ${ns} edit ipaddresspool ${o.pool}`,
    `Remove the overlap (edit ${o.entry} in ${o.pool} or ${o.otherEntry} in ${o.otherPool}); the controller reloads ` +
      `the configuration by itself once it parses.`,
  );
}

function overlaps(ctx: DiagnoseContext): Finding[] {
  return findOverlaps(ctx.pools.filter((p) => p.error === null)).map((o) => overlapFinding(ctx, o));
}

// The webhook strips BFD references as "transient", so only speakers reject them (TransientError).
function missingBfdProfiles(ctx: DiagnoseContext): Finding[] {
  const inNs = <T extends { metadata: { namespace?: string | null } }>(o: T) =>
    ctx.inMetallbNamespace(o.metadata.namespace);
  const profiles = new Set(ctx.snapshot.bfdProfiles.filter(inNs).map((p) => p.metadata.name));
  return ctx.snapshot.bgpPeers
    .filter((p) => inNs(p) && p.spec.bfdProfile && !profiles.has(p.spec.bfdProfile))
    .map((peer) =>
      finding({
        id: 'peer-bfd-profile-missing',
        severity: 'error',
        title:
          `BGPPeer ${peer.metadata.name} uses BFDProfile ${peer.spec.bfdProfile}, which does not exist ` +
          `(speakers reject the whole configuration)`,
        detail:
          `Speakers fail with: peer ${peer.metadata.name} referencing non existing bfd profile ` +
          `${peer.spec.bfdProfile}, ` +
          'and keep their previous config; the controller stays Valid.',
        objects: [{ kind: 'BGPPeer', namespace: peer.metadata.namespace ?? ctx.namespace, name: peer.metadata.name }],
        fix: reapplyConfigFix('Create the BFDProfile or remove the reference, then re-apply the configuration.'),
      }),
    );
}

// ---------------------------------------------------------------------------------------------
// Objects MetalLB ignores or we could not read

function outsideNamespace(ctx: DiagnoseContext): Finding[] {
  if (ctx.namespace === null) return [];
  const s = ctx.snapshot;
  const objects = [
    ...s.pools,
    ...s.l2Advertisements,
    ...s.bgpAdvertisements,
    ...s.bgpPeers,
    ...s.communities,
    ...s.bfdProfiles,
  ];
  return objects
    .filter((o) => !ctx.inMetallbNamespace(o.metadata.namespace))
    .map((o) =>
      finding({
        id: 'metallb-object-outside-namespace',
        severity: 'warning',
        title:
          `${o.kind} ${o.metadata.namespace}/${o.metadata.name} is outside MetalLB's namespace ` +
          `${ctx.namespace}, so MetalLB ignores it`,
        detail:
          'MetalLB only reads its custom resources from its own namespace (the webhook rejects others on create).',
        objects: [{ kind: o.kind, namespace: o.metadata.namespace ?? null, name: o.metadata.name }],
      }),
    );
}

const problemRef = (p: SnapshotProblem): ObjectRef => ({
  kind: p.kind ?? 'Unknown',
  namespace: p.namespace,
  name: p.name ?? '(unnamed)',
});

function unreadable(p: SnapshotProblem): Finding {
  const invalid = p.reason === 'invalid-object';
  const what = `${p.kind ?? 'Object'} ${p.namespace ? `${p.namespace}/` : ''}${p.name ?? '(unnamed)'}`;
  return finding({
    id: invalid ? 'object-failed-schema' : 'object-duplicated',
    severity: invalid ? 'warning' : 'info',
    title: invalid ? `${what} could not be read, so it was not analysed: ${p.message}` : `${what} ${p.message}`,
    detail: 'The diagnosis is incomplete for this object.',
    objects: [problemRef(p)],
  });
}

/** Objects that failed their schema, duplicates, and kinds diagnose does not use. */
export function findUnreadableInput(ctx: DiagnoseContext): Finding[] {
  const problems = ctx.snapshot.problems;
  const invalid = problems
    .filter((p) => p.reason === 'invalid-object' || p.reason === 'duplicate-object')
    .map(unreadable);
  const ignored = problems.filter((p) => p.reason === 'unknown-kind' || p.reason === 'not-an-object');
  if (ignored.length === 0) return invalid;
  const kinds = [...new Set(ignored.map((p) => p.kind ?? '(none)'))].sort();
  const summary = finding({
    id: 'objects-ignored',
    severity: 'info',
    title: `${ignored.length} input object(s) of kinds diagnose does not use were ignored: ${kinds.join(', ')}`,
    detail: 'Nothing to do; listed so a truncated dump is noticed.',
    data: { kinds },
  });
  return [...invalid, summary];
}

export const findConfigNotLoaded: Rule = (ctx) => [
  ...configurationStates(ctx),
  ...ctx.pools.flatMap((pool) => statusFindings(ctx, pool)),
  ...invalidPools(ctx),
  ...overlaps(ctx),
  ...missingBfdProfiles(ctx),
  ...outsideNamespace(ctx),
  ...findUnreadableInput(ctx),
];
