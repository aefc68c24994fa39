// Check 4: controller and speaker log errors inside the --since window, grouped by cause
// (metallb-logs.ts). Speaker rejections are normal for seconds during a pool edit; only
// rejections that persist are a warning.
import {
  createdConfigurationState,
  epochMs,
  groupLogLines,
  missingConfigurationState,
  mayBeReportable,
  parseMetallbLogWhere,
  readForReport,
  reportedCauses,
  parseMetallbLogLine,
  type LogGroup,
  type MetallbLogLine,
} from '../metallb-logs.js';
import type { DiagnoseContext, Rule } from './context.js';
import { findingsOf } from './finding.js';
import { restartControllerFix, restartSpeakersFix } from './fixes.js';
import { withoutRetryEchoes } from './retry-echoes.js';
import type { Finding, Fix, ObjectRef, Severity } from './report.js';

const finding = findingsOf('component-errors');

type Component = 'controller' | 'speaker';

/** How long (ms) speaker rejections may last and still count as a pool edit in progress. */
export const TRANSIENT_WINDOW_MS = 60_000;

interface GroupContext {
  ctx: DiagnoseContext;
  component: Component;
  group: LogGroup;
  /** Last "config reloaded" line of the same component, epoch ms. */
  reloadedAt: number | null;
}

const times = (g: LogGroup): string => {
  const span =
    g.first === g.last ? `at ${g.first ?? 'unknown time'}` : `between ${g.first ?? '?'} and ${g.last ?? '?'}`;
  return `${g.count}× ${span}`;
};

/** Rejections first seen over 60 s before the last one, and the last one in the final 60 s. */
export function rejectionPersists(now: number, group: Pick<LogGroup, 'first' | 'last'>): boolean {
  const [first, last] = [epochMs(group.first), epochMs(group.last)];
  if (first === null || last === null) return false;
  return last - first > TRANSIENT_WINDOW_MS && now - last <= TRANSIENT_WINDOW_MS;
}

// Objects a MetalLB error message names: pools ("pool \"b\"", "address pool b:") and peers.
function objectsNamed(ctx: DiagnoseContext, text: string): ObjectRef[] {
  const refs = new Map<string, ObjectRef>();
  const add = (kind: string, name: string | undefined) => {
    if (name) refs.set(`${kind}/${name}`, { kind, namespace: ctx.namespace, name });
  };
  for (const m of text.matchAll(/pool \\?"([^"\\]+)\\?"|address pool ([^\s:]+):/g)) add('IPAddressPool', m[1] ?? m[2]);
  for (const m of text.matchAll(/\bpeer ([^\s:]+) /g)) add('BGPPeer', m[1]);
  return [...refs.values()];
}

// "<namespace>/<name>", both DNS labels: reprocessAll logs the whole Service as JSON under "service" and its
// key under "name".
const SERVICE_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/;

function serviceOf(group: LogGroup): ObjectRef[] {
  const { fields } = parseMetallbLogLine(group.example);
  for (const value of [fields['service'], fields['name']]) {
    const key = typeof value === 'string' ? SERVICE_KEY.exec(value) : null;
    if (key) return [{ kind: 'Service', namespace: key[1]!, name: key[3]! }];
  }
  return [];
}

/** Longest example line a finding carries; some lines hold a whole Service object. */
const EXAMPLE_MAX_CHARS = 2_000;

const clipped = (text: string): string =>
  text.length <= EXAMPLE_MAX_CHARS ? text : `${text.slice(0, EXAMPLE_MAX_CHARS)}… (${text.length} characters)`;

interface GroupFinding {
  id: string;
  severity: Severity;
  title: string;
  detail: string;
  fix?: Fix | null;
}

function groupFinding(g: GroupContext, f: GroupFinding): Finding {
  const { group, component } = g;
  return finding({
    ...f,
    objects: [...objectsNamed(g.ctx, group.summaries.join('\n')), ...serviceOf(group)],
    data: {
      cause: group.cause,
      component,
      count: group.count,
      variants: group.variants,
      first: group.first,
      last: group.last,
      example: clipped(group.example),
    },
  });
}

/** The first line's message; a group of one failure hitting many objects says how many others it holds. */
const summaryOf = (group: LogGroup): string =>
  group.variants > 1 ? `${group.summary} (and ${group.variants - 1} more like it)` : group.summary;

function configParseError(g: GroupContext): Finding {
  const { group, component } = g;
  const resolved = g.reloadedAt !== null && g.reloadedAt > (epochMs(group.last) ?? Infinity);
  const who = component === 'controller' ? 'The controller (PoolReconciler)' : 'A speaker (ConfigReconciler)';
  const fix =
    component === 'controller'
      ? restartControllerFix(
          'After correcting the objects named in the error, restarting the controller makes it reload the whole ' +
            'configuration.',
        )
      : restartSpeakersFix(
          'After correcting the objects named in the error, restarting the speakers makes them reload the ' +
            'configuration.',
        );
  return groupFinding(g, {
    id: `${component}-config-parse-error`,
    severity: resolved ? 'info' : 'error',
    title:
      `${resolved ? '(since resolved) ' : ''}${who} rejected the MetalLB configuration ${times(group)}: ` +
      `${summaryOf(group)}`,
    detail: resolved
      ? 'A later "config reloaded" line shows a valid configuration was loaded afterwards.'
      : 'It keeps its last good configuration until the objects named in the error are fixed; new or changed ' +
        'pools are not used.',
    fix: resolved ? null : fix,
  });
}

function legacyIncompatible(g: GroupContext): Finding {
  return groupFinding(g, {
    id: 'controller-config-stale-legacy',
    severity: 'error',
    title:
      `The controller refuses the new pool configuration ${times(g.group)} (MetalLB <= 0.13 fail-static): ` +
      `${summaryOf(g.group)}`,
    detail:
      'MetalLB <= 0.13 keeps the old pools while any assigned IP would fall outside the new ones, and retries ' +
      'forever ' +
      '(config_stale_bool=1). Release the orphaned IPs (see orphaned-ip findings) or restart the controller, ' +
      'which starts with no allocations and loads the new config.',
    fix: restartControllerFix(
      'A restarted controller has no allocations yet, so it accepts the current pools and re-converges every Service.',
    ),
  });
}

function speakerRejection(g: GroupContext): Finding {
  const persists = rejectionPersists(g.ctx.now, g.group);
  const notAllowed = g.group.cause === 'ip-not-allowed-by-speaker';
  const what = notAllowed ? 'refused to announce an IP the controller assigned' : 'rejected the new configuration';
  return groupFinding(g, {
    id: notAllowed ? 'speaker-ip-not-allowed' : 'speaker-config-rejected',
    severity: persists ? 'warning' : 'info',
    title: `Speakers ${what} ${times(g.group)}${persists ? ', and still do' : ' (transient during a pool edit)'}`,
    detail: persists
      ? 'A speaker keeps its old config while it still announces an IP the new config does not cover; it ' +
        'recovers once the ' +
        'controller clears or moves that Service. Rejections lasting more than 60 s mean the controller has not ' +
        'done so: ' +
        'check the controller findings first.'
      : 'Expected for a few seconds after a pool change, until the controller re-assigns the affected Services.',
    fix: persists ? restartSpeakersFix('Restarted speakers load the current configuration from scratch.') : null,
  });
}

/**
 * An error followed by a successful "config reloaded" of the same component is over: e.g. v0.16
 * fails to report its condition until its ConfigurationState exists, right after start-up.
 */
function resolvedByReload(g: GroupContext): boolean {
  const last = epochMs(g.group.last);
  return g.reloadedAt !== null && last !== null && last < g.reloadedAt;
}

function reloadDetail(g: GroupContext, otherwise: string): string {
  return resolvedByReload(g)
    ? `A later "config reloaded" line shows the ${g.component} recovered. ${otherwise}`
    : otherwise;
}

function configurationStateRace(g: GroupContext): Finding {
  const name = missingConfigurationState(parseMetallbLogLine(g.group.example)) ?? 'unknown';
  const resolved = resolvedByReload(g);
  return groupFinding(g, {
    id: `${g.component}-configuration-state-missing`,
    severity: resolved ? 'info' : 'warning',
    title:
      `${resolved ? '(since resolved) ' : ''}The ${g.component} cannot report its state ${times(g.group)}: ` +
      `ConfigurationState ${name} does not exist`,
    detail: reloadDetail(
      g,
      'Right after start-up this is a race MetalLB recovers from as soon as the ConfigurationStateReconciler creates ' +
        'the object; here the object was never seen, so configuration errors are not reported on the cluster.',
    ),
    fix: resolved ? null : restartControllerFix('A restarted controller creates its ConfigurationState again.'),
  });
}

function otherGroup(g: GroupContext): Finding {
  const { group } = g;
  const summary = summaryOf(group);
  const when = times(group);
  switch (group.cause) {
    case 'allocation-failure':
      return groupFinding(g, {
        id: 'controller-allocation-failed',
        severity: 'warning',
        title: `The controller failed to allocate an IP ${when}: ${summary}`,
        detail: 'See the pending-services findings for the Services affected.',
      });
    case 'ip-cleared':
      return groupFinding(g, {
        id: 'controller-ip-cleared',
        severity: 'info',
        title: `The controller cleared IP assignments no longer allowed by config ${when}: ${summary}`,
        detail: 'Normal after a pool change on MetalLB >= 0.14; those Services got new IPs or went pending.',
      });
    case 'no-config':
      return groupFinding(g, {
        id: 'controller-pools-empty',
        severity: 'info',
        title: `The controller saw no IPAddressPool ${when}`,
        detail: 'With no pools, MetalLB removes the IP of every LoadBalancer Service it serves.',
      });
    default:
      return errorGroup(g);
  }
}

// A reconciler failure or an error line of no known pattern.
function errorGroup(g: GroupContext): Finding {
  const reconciler = g.group.cause === 'reconciler-error';
  const since = resolvedByReload(g) ? '(since resolved) ' : '';
  const what = reconciler ? 'reconciler failed' : 'logged an error';
  const otherwise = reconciler
    ? 'controller-runtime retries with backoff.'
    : 'Not a known MetalLB failure pattern; read the surrounding log lines.';
  return groupFinding(g, {
    id: `${g.component}-${reconciler ? 'reconciler-error' : 'error'}`,
    severity: minorError(g) ? 'info' : 'warning',
    title: `${since}The ${g.component} ${what} ${times(g.group)}: ${summaryOf(g.group)}`,
    detail: conflictDetail(g) ?? reloadDetail(g, otherwise),
  });
}

/** Update conflicts (optimistic concurrency) in a window; more than this is another writer fighting MetalLB. */
export const REPEATED_CONFLICTS = 10;

const fewConflicts = (group: LogGroup): boolean => group.transient && group.count < REPEATED_CONFLICTS;

// A few conflicts are retried and resolve on their own; an error a later reload shows is over is history.
const minorError = (g: GroupContext): boolean => fewConflicts(g.group) || resolvedByReload(g);

function conflictDetail(g: GroupContext): string | null {
  if (!g.group.transient) return null;
  return fewConflicts(g.group)
    ? 'An update conflict: another writer changed the object first. MetalLB retries with the current version.'
    : `${g.group.count} update conflicts: another writer keeps changing the objects MetalLB writes (a second ` +
        'load-balancer controller, or a tool that rewrites Service status). Find it from the managedFields of the ' +
        'objects the log lines name.';
}

function findingForGroup(g: GroupContext): Finding {
  const { cause } = g.group;
  if (cause === 'config-parse-error') return configParseError(g);
  if (cause === 'configuration-state-race') return configurationStateRace(g);
  if (cause === 'config-rejected-by-speaker' || cause === 'ip-not-allowed-by-speaker') return speakerRejection(g);
  // On speakers "reload failed, retry" accompanies the fail-static rejection.
  if (cause === 'legacy-config-incompatible')
    return g.component === 'controller' ? legacyIncompatible(g) : speakerRejection(g);
  return otherGroup(g);
}

function lastReload(lines: readonly MetallbLogLine[]): number | null {
  let last: number | null = null;
  for (const line of lines) {
    const t = line.cause === 'config-reloaded' ? epochMs(line.time) : null;
    if (t !== null && (last === null || t > last)) last = t;
  }
  return last;
}

// "reload failed, retry" repeats what "applying new configuration failed" (controller) or
// "new configuration rejected" (speaker) already says: keep one finding for the episode.
function withoutEchoes(groups: readonly LogGroup[]): LogGroup[] {
  const legacy = groups.filter((g) => g.cause === 'legacy-config-incompatible');
  const rejected = groups.some((g) => g.cause === 'config-rejected-by-speaker');
  const keep = rejected ? undefined : (legacy.find((g) => g.key.includes('not compatible')) ?? legacy[0]);
  return groups.filter((g) => g.cause !== 'legacy-config-incompatible' || g === keep);
}

/** ConfigurationStates known to exist: on the cluster now, or logged as created. */
function existingConfigurationStates(ctx: DiagnoseContext, lines: readonly MetallbLogLine[]): Set<string> {
  const names = new Set(ctx.snapshot.configurationStates.map((state) => state.metadata.name));
  for (const line of lines) {
    const created = createdConfigurationState(line);
    if (created !== null) names.add(created);
  }
  return names;
}

// The start-up race (reconciler ahead of the ConfigurationState it patches) is over once the object exists.
function recoveredRace(group: LogGroup, existing: ReadonlySet<string>): boolean {
  if (group.cause !== 'configuration-state-race') return false;
  const name = missingConfigurationState(parseMetallbLogLine(group.example));
  return name !== null && existing.has(name);
}

function componentFindings(ctx: DiagnoseContext, component: Component): Finding[] {
  // Only what the findings read: reported causes, reloads, and ConfigurationStates logged as created.
  const lines = withoutRetryEchoes(
    parseMetallbLogWhere(ctx.snapshot.logs[component], component, { raw: mayBeReportable, parsed: readForReport }),
  );
  const reloadedAt = lastReload(lines);
  const since = ctx.snapshot.logsSince ?? undefined;
  const groups = groupLogLines(lines, { ...(since === undefined ? {} : { since }), includeCauses: reportedCauses });
  const existing = existingConfigurationStates(ctx, lines);
  return withoutEchoes(groups)
    .filter((group) => !recoveredRace(group, existing))
    .map((group) => findingForGroup({ ctx, component, group, reloadedAt }));
}

export const findComponentErrors: Rule = (ctx) => [
  ...componentFindings(ctx, 'controller'),
  ...componentFindings(ctx, 'speaker'),
];
