// Check: assigned is not announced. What the speakers say they announce (ServiceL2Status from v0.14.4,
// reliable from v0.14.6; ServiceBGPStatus from v0.15.0) against what the advertisements ask for: a Service
// with an IP that no node announces, or announced from a node the advertisement's nodeSelectors exclude.
// Speaker ConfigurationStates (v0.15.3+) say per node whether that speaker loaded the configuration.
import type { ServiceBGPStatus, ServiceL2Status } from '../kube-schemas.js';
import { owningPool } from '../orphans.js';
import { anySelectorMatches } from '../selectors.js';
import { advertisementViews, type AdvertisementView } from './advertisements.js';
import type { DiagnoseContext, Rule } from './context.js';
import { findingsOf } from './finding.js';
import { restartSpeakersFix } from './fixes.js';
import { poolRef } from './pools.js';
import type { AnnouncementEvidence, Finding } from './report.js';
import { listText, serviceRef, type ServiceView } from './services.js';
import { atLeast, GATES } from './version.js';

const finding = findingsOf('announcements');

type Mode = 'L2' | 'BGP';

/** Who announces one pool: its advertisements by mode, and the nodes each may announce from. */
export interface PoolAnnouncement {
  pool: string;
  l2: AdvertisementView[];
  bgp: AdvertisementView[];
}

/**
 * The advertisements applying to each pool, indexed in one pass over them (not one per pool: with
 * thousands of pools and advertisements that is quadratic). Each announcement keeps the views' order.
 */
export function announcementsByPool(views: readonly AdvertisementView[]): (pool: string) => PoolAnnouncement {
  const everyPool: number[] = [];
  const namedOrSelected = new Map<string, number[]>();
  const addTo = (pool: string, index: number) => {
    const indexes = namedOrSelected.get(pool);
    if (indexes) indexes.push(index);
    else namedOrSelected.set(pool, [index]);
  };
  views.forEach((view, index) => {
    if (view.all) everyPool.push(index);
    else for (const name of new Set(view.pools.map((p) => p.name))) addTo(name, index);
  });
  const announcements = new Map<string, PoolAnnouncement>();
  return (pool) => {
    const known = announcements.get(pool);
    if (known !== undefined) return known;
    const indexes = [...everyPool, ...(namedOrSelected.get(pool) ?? [])].sort((a, b) => a - b);
    const covering = indexes.map((index) => views[index]!);
    const announcement: PoolAnnouncement = {
      pool,
      l2: covering.filter((view) => view.adv.kind === 'L2Advertisement'),
      bgp: covering.filter((view) => view.adv.kind === 'BGPAdvertisement'),
    };
    announcements.set(pool, announcement);
    return announcement;
  };
}

/** The advertisements applying to one pool. */
export function announcementOf(views: readonly AdvertisementView[], pool: string): PoolAnnouncement {
  return announcementsByPool(views)(pool);
}

/** Nodes an advertisement may announce from (nodeSelectors; none = every node). */
export function nodesOf(ctx: DiagnoseContext, view: AdvertisementView): string[] {
  const selectors = view.adv.spec.nodeSelectors ?? [];
  return ctx.snapshot.nodes
    .filter((node) => selectors.length === 0 || anySelectorMatches(selectors, node.metadata.labels))
    .map((node) => node.metadata.name);
}

/** One speaker's word that it announces a Service from a node. */
export interface Announcer {
  mode: Mode;
  node: string;
  /** BGP: the peers it advertises to; L2: the interfaces. */
  via: string[];
}

type StatusObject = ServiceL2Status | ServiceBGPStatus;

const statusKey = (status: StatusObject): string | null => {
  const s = status.status;
  return s?.serviceName ? `${s.serviceNamespace ?? 'default'}/${s.serviceName}` : null;
};

function announcerOf(status: StatusObject, mode: Mode): Announcer | null {
  const node = status.status?.node;
  if (!node) return null;
  const raw = status.status as { peers?: string[] | null; interfaces?: { name?: string | null }[] | null };
  const via = mode === 'BGP' ? (raw.peers ?? []) : (raw.interfaces ?? []).flatMap((i) => i.name ?? []);
  return { mode, node, via };
}

/** Service key → the speakers announcing it, from both kinds of status. */
export function announcersByService(ctx: DiagnoseContext): Map<string, Announcer[]> {
  const map = new Map<string, Announcer[]>();
  const add = (status: StatusObject, mode: Mode) => {
    const key = statusKey(status);
    const announcer = announcerOf(status, mode);
    if (key === null || announcer === null || !ctx.inMetallbNamespace(status.metadata.namespace)) return;
    map.set(key, [...(map.get(key) ?? []), announcer]);
  };
  for (const status of ctx.snapshot.serviceL2Statuses) add(status, 'L2');
  for (const status of ctx.snapshot.serviceBGPStatuses) add(status, 'BGP');
  return map;
}

// ---------------------------------------------------------------------------------------------
// Which evidence this version gives

function l2Evidence(ctx: DiagnoseContext): AnnouncementEvidence['serviceL2Status'] {
  if (atLeast(ctx.version, GATES.servicel2statuses) === null) return 'unknown';
  if (atLeast(ctx.version, GATES.servicel2statuses) === false) return 'not-available';
  return atLeast(ctx.version, GATES.reliableL2Status) === true ? 'reliable' : 'unreliable';
}

function bgpEvidence(ctx: DiagnoseContext): AnnouncementEvidence['serviceBGPStatus'] {
  const available = atLeast(ctx.version, GATES.servicebgpstatuses);
  return available === null ? 'unknown' : available ? 'available' : 'not-available';
}

function speakerStates(ctx: DiagnoseContext): AnnouncementEvidence['speakerStates'] {
  return ctx.snapshot.configurationStates
    .filter((state) => ctx.inMetallbNamespace(state.metadata.namespace) && state.metadata.name !== 'controller')
    .filter((state) => (state.metadata.labels?.['metallb.io/component-type'] ?? 'speaker') === 'speaker')
    .map((state) => ({
      node: state.metadata.labels?.['metallb.io/node-name'] ?? state.metadata.name.replace(/^speaker-/, ''),
      result: state.status?.result ?? null,
      errorSummary: (state.status?.errorSummary ?? '').trim(),
    }));
}

function evidenceNote(l2: AnnouncementEvidence['serviceL2Status'], bgp: AnnouncementEvidence['serviceBGPStatus']) {
  if (l2 === 'unknown') return 'MetalLB version unknown: ServiceL2Status/ServiceBGPStatus were read where present.';
  if (l2 === 'not-available')
    return 'MetalLB < 0.14.4 writes no announcement status: only the speaker logs show which node announces.';
  const l2Text = l2 === 'reliable' ? 'ServiceL2Status (reliable)' : 'ServiceL2Status (unreliable before 0.14.6)';
  const bgpText = bgp === 'available' ? 'ServiceBGPStatus' : 'speaker logs for BGP (ServiceBGPStatus from 0.15.0)';
  return `Announcement evidence: ${l2Text} and ${bgpText}.`;
}

/** What this cluster's MetalLB version says about announcements, for the report. */
export function announcementEvidence(ctx: DiagnoseContext): AnnouncementEvidence {
  const [l2, bgp] = [l2Evidence(ctx), bgpEvidence(ctx)];
  return {
    serviceL2Status: l2,
    serviceBGPStatus: bgp,
    l2Statuses: ctx.snapshot.serviceL2Statuses.length,
    bgpStatuses: ctx.snapshot.serviceBGPStatuses.length,
    speakerStates: speakerStates(ctx),
    note: evidenceNote(l2, bgp),
  };
}

// ---------------------------------------------------------------------------------------------
// Findings

/** The pool a served Service's IPs are from (the allocated-from annotation wins with overlapping pools). */
export function poolOfService(ctx: DiagnoseContext, view: ServiceView): string | undefined {
  const [ip] = view.ips;
  return ip === undefined ? undefined : owningPool(view, ctx.lookupIp(ip.canonical).pools);
}

interface Judged {
  ctx: DiagnoseContext;
  view: ServiceView;
  pool: string;
  announcement: PoolAnnouncement;
  announcers: Announcer[];
}

function notAnnounced(j: Judged, reason: 'no-advertisement' | 'no-status'): Finding {
  const ips = listText(j.view.ips.map((ip) => ip.text));
  const modes = [...(j.announcement.l2.length ? ['L2'] : []), ...(j.announcement.bgp.length ? ['BGP'] : [])];
  return finding({
    id: 'service-not-announced',
    severity: 'error',
    title:
      reason === 'no-advertisement'
        ? `Service ${j.view.key} holds ${ips} from pool ${j.pool}, which no advertisement announces: unreachable`
        : `Service ${j.view.key} holds ${ips} but no speaker announces it (no ${modes.join(' or ')} status names it)`,
    detail:
      reason === 'no-advertisement'
        ? 'MetalLB assigns IPs from a pool no advertisement covers, and no node answers for them.'
        : 'Assigned is not announced: the speakers write a status object for every Service they announce. None ' +
          'names this one: no eligible node has a ready endpoint (externalTrafficPolicy Local), the speakers of ' +
          'the selected nodes are down, or they did not load the configuration.',
    objects: [serviceRef(j.view), poolRef({ name: j.pool, namespace: j.ctx.namespace })],
    fix:
      reason === 'no-status'
        ? restartSpeakersFix('Restarted speakers reload the configuration and announce every Service again.')
        : null,
    data: { pool: j.pool, reason, ips: j.view.ips.map((ip) => ip.text), modes },
  });
}

function excludedNodes(j: Judged): Finding[] {
  return (['L2', 'BGP'] as const).flatMap((mode) => {
    const views = mode === 'L2' ? j.announcement.l2 : j.announcement.bgp;
    const allowed = new Set(views.flatMap((view) => nodesOf(j.ctx, view)));
    const outside = j.announcers.filter((a) => a.mode === mode && !allowed.has(a.node)).map((a) => a.node);
    if (outside.length === 0) return [];
    const names = views.map((view) => view.ref.name);
    return [
      finding({
        id: 'service-announced-from-excluded-node',
        severity: 'warning',
        title:
          `Service ${j.view.key} is announced (${mode}) from ${listText(outside)}, which the nodeSelectors of ` +
          `${listText(names)} exclude`,
        detail:
          'The speaker there still runs a configuration from before the nodeSelectors changed, or the node ' +
          'labels changed since: traffic goes to a node the advertisement no longer means.',
        objects: [serviceRef(j.view), ...views.map((view) => view.ref)],
        fix: restartSpeakersFix('Restarted speakers announce only from the nodes the advertisements select.'),
        data: { pool: j.pool, mode, nodes: outside, allowedNodes: [...allowed].sort() },
      }),
    ];
  });
}

// The speakers only count as reporting when some status of that kind exists at all; a speaker that writes none
// (fake speakers, an older build) gives no evidence either way.
function judgeService(j: Judged): Finding[] {
  const { l2, bgp } = j.announcement;
  if (l2.length === 0 && bgp.length === 0) return [notAnnounced(j, 'no-advertisement')];
  const reporting =
    (l2.length > 0 && j.ctx.snapshot.serviceL2Statuses.length > 0) ||
    (bgp.length > 0 && j.ctx.snapshot.serviceBGPStatuses.length > 0);
  if (!reporting) return [];
  if (j.announcers.length === 0) return [notAnnounced(j, 'no-status')];
  return excludedNodes(j);
}

export const findAnnouncementProblems: Rule = (ctx) => {
  const views = advertisementViews(ctx);
  const announcers = announcersByService(ctx);
  const announcementFor = announcementsByPool(views);
  return ctx.services.flatMap((view) => {
    const pool = poolOfService(ctx, view);
    if (pool === undefined || !ctx.poolsByName.has(pool)) return [];
    const announcement = announcementFor(pool);
    return judgeService({ ctx, view, pool, announcement, announcers: announcers.get(view.key) ?? [] });
  });
};
