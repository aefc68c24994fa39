// Human rendering of `explain`: the verdict and the root cause with its fix first, then what MetalLB would do,
// what it did, and who announces. Plain text (no colours): it is read line by line and pasted into tickets.
import type {
  AdvertisementBrief,
  Explanation,
  PoolExplanation,
  RootCauseBrief,
  ServiceExplanation,
} from './explain.js';

const none = (items: readonly unknown[], text: string): string[] => (items.length === 0 ? [`  ${text}`] : []);

function rootCauseLines(root: RootCauseBrief | null): string[] {
  if (root === null) return ['nothing wrong found'];
  const lines = [`root cause: ${root.title} [${root.id}]`];
  if (root.chain.length > 1) lines.push(...root.chain.slice(1).map((f) => `  ↳ ${f.title} [${f.id}]`));
  if (root.fix !== null) lines.push(`fix: ${root.fix.command}`, `  ${root.fix.explanation}`);
  return lines;
}

const advertisementLine = (a: AdvertisementBrief): string =>
  `  ${a.kind} ${a.name} from ${a.nodes.length === 0 ? 'no node' : a.nodes.join(', ')}`;

function selectionLines(e: ServiceExplanation): string[] {
  const { by, candidates } = e.poolSelection;
  const header = by === 'annotation' ? 'pool asked for by annotation:' : 'auto-assign pools, first choice first:';
  return [
    header,
    ...none(candidates, '(none)'),
    ...candidates.map(
      (c) =>
        `  ${c.pool}: priority ${c.priority ?? 'none'}, autoAssign ${c.autoAssign}, serviceAllocation ` +
        `${c.allowed === null ? 'cannot be judged' : c.allowed ? 'admits it' : 'excludes it'}`,
    ),
  ];
}

function announcementLines(e: ServiceExplanation): string[] {
  const lines = ['announced:'];
  if (e.ips.length === 0) return [...lines, '  (no IP)'];
  for (const a of e.announcement) {
    lines.push(`  pool ${a.pool} is announced by:`, ...none(a.advertisements, '  no advertisement'));
    lines.push(...a.advertisements.map((adv) => `  ${advertisementLine(adv)}`));
    const by = a.announcedBy.map((x) => `${x.node} (${x.mode}${x.via.length ? ` via ${x.via.join(', ')}` : ''})`);
    lines.push(`  speakers announcing it: ${by.length === 0 ? 'none reported' : by.join(', ')}`);
  }
  return lines;
}

function servedLine(e: ServiceExplanation): string {
  const { byMetallb, loadBalancerClass, controllerLbClass } = e.served;
  return (
    `served by MetalLB: ${byMetallb ? 'yes' : 'no'} (loadBalancerClass ${loadBalancerClass ?? 'none'}, ` +
    `controller --lb-class ${controllerLbClass ?? 'none'})`
  );
}

function serviceLines(e: ServiceExplanation): string[] {
  const request = Object.entries(e.request).filter(([, value]) => value !== null);
  return [
    `Service ${e.service}: ${e.state}`,
    ...rootCauseLines(e.rootCause),
    '',
    servedLine(e),
    `requests: ${request.length === 0 ? 'nothing' : request.map(([key, value]) => `${key}=${value}`).join(', ')}`,
    ...selectionLines(e),
    `IPs: ${e.ips.length === 0 ? 'none' : e.ips.map((ip) => `${ip.ip} from pool ${ip.pool ?? '(none)'}`).join(', ')}`,
    ...announcementLines(e),
    'annotations:',
    ...none(Object.keys(e.annotations), '(none)'),
    ...Object.entries(e.annotations).map(([key, value]) => `  ${key}: ${value}`),
    'events:',
    ...none(e.events, '(none)'),
    ...e.events.map((ev) => `  ${ev.time ?? '?'} ${ev.reason ?? ''}: ${ev.message ?? ''}`),
    'controller log lines naming it:',
    ...none(e.logLines, '(none)'),
    ...e.logLines.map((line) => `  ${line}`),
    'findings:',
    ...none(e.findings, '(none)'),
    ...e.findings.map((f) => `  ${f.severity} ${f.title} [${f.id}]`),
  ];
}

function poolLines(e: PoolExplanation): string[] {
  return [
    `IPAddressPool ${e.pool}: loaded by the controller: ${e.loaded}`,
    ...rootCauseLines(e.rootCause),
    '',
    `addresses: ${e.addresses.join(', ')}${e.error ? ` (invalid: ${e.error})` : ''}`,
    `autoAssign ${e.autoAssign}, avoidBuggyIPs ${e.avoidBuggyIPs}, ` +
      `serviceAllocation ${JSON.stringify(e.serviceAllocation)}`,
    ...e.capacity.map((row) => `capacity ${row.family}: ${row.used} of ${row.capacity} used (${row.available} free)`),
    'Services using it:',
    ...none(e.services, '(none)'),
    ...e.services.map((s) => `  ${s.service}: ${s.ips.join(', ')}`),
    'announced by:',
    ...none(e.advertisements, '(no advertisement)'),
    ...e.advertisements.map(advertisementLine),
    'findings:',
    ...none(e.findings, '(none)'),
    ...e.findings.map((f) => `  ${f.severity} ${f.title} [${f.id}]`),
  ];
}

/** The explanation as text for a terminal. */
export function renderExplanation(e: Explanation): string {
  return (e.kind === 'Service' ? serviceLines(e) : poolLines(e)).join('\n');
}
