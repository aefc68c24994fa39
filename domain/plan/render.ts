// The plan for people: the terminal (problems, refusals, Services old -> new, numbered steps) and a
// pull-request comment in Markdown (headings, tables, collapsible details). Manifests are never printed,
// so no inline BGP password reaches either.
import type { ChangePlan, PlanStep, ServiceImpact, ValidationProblem } from './types.js';

const where = (problem: ValidationProblem): string => {
  const file = problem.source ? `${problem.source.file}:${problem.source.line} ` : '';
  const object = problem.kind ? `${problem.kind}/${problem.name ?? '?'} ` : '';
  const field = problem.field ? `${problem.field}: ` : '';
  return `${file}${object}${field}${problem.message}`;
};

const ips = (list: readonly string[]): string => (list.length === 0 ? '<pending>' : list.join(', '));

const verdict = (plan: ChangePlan): string => {
  if (!plan.valid) return `INVALID: ${plan.problems.length} problem(s); nothing may be applied`;
  if (!plan.safe) return `REFUSED: ${plan.refusals.length} refusal(s); nothing may be applied`;
  return plan.steps.length === 0 ? 'no changes' : `safe: ${plan.steps.length} step(s)`;
};

/** One line per step, as numbered in both outputs. */
export function stepText(step: PlanStep): string {
  if ('pins' in step) {
    const pins = step.pins.map((pin) => `${pin.namespace}/${pin.name}=${pin.ips.join(',')}`).join(' ');
    return `${step.action} ${pins} (${step.why})`;
  }
  const next = step.followedImmediately ? ' [next step follows immediately]' : '';
  return `${step.action} ${step.kind}/${step.name}: ${step.why}${next}`;
}

const moved = (plan: ChangePlan): ServiceImpact[] => plan.impact.filter((entry) => entry.outcome !== 'keeps');
const keeping = (plan: ChangePlan): number => plan.impact.length - moved(plan).length;

const targetLine = (plan: ChangePlan): string =>
  `MetalLB ${plan.target.metallbVersion ?? '(version unknown: planned as the newest)'} in ${plan.target.namespace}, ` +
  `BGP ${plan.target.bgpType}; based on ${plan.basedOn.slice(0, 19)}`;

function humanSections(plan: ChangePlan): string[][] {
  const services = moved(plan).map(
    (e) => `  ${e.namespace}/${e.name}  ${e.outcome}  ${ips(e.before)} -> ${ips(e.after)}  (${e.reason})`,
  );
  return [
    plan.problems.length ? ['Problems:', ...plan.problems.map((problem) => `  ${where(problem)}`)] : [],
    plan.refusals.length
      ? ['Refused:', ...plan.refusals.map((refusal) => `  ${refusal.rule}: ${refusal.message}`)]
      : [],
    [`Services: ${keeping(plan)} keep their IPs${services.length ? `, ${services.length} change:` : ''}`, ...services],
    plan.unannouncedPools.length
      ? [`Pools holding IPs that nothing announces: ${plan.unannouncedPools.join(', ')}`]
      : [],
    (plan.projectedFindings ?? []).length
      ? [
          'After the change, diagnose would report:',
          ...(plan.projectedFindings ?? []).map((f) => `  ${f.severity}: ${f.title}`),
        ]
      : [],
    plan.steps.length ? ['Steps:', ...plan.steps.map((step, position) => `  ${position + 1}. ${stepText(step)}`)] : [],
  ];
}

/** The plan for a terminal. */
export function renderPlanHuman(plan: ChangePlan): string {
  const sections = humanSections(plan).filter((section) => section.length > 0);
  return [`Plan: ${verdict(plan)}`, targetLine(plan), ...sections.map((section) => section.join('\n'))].join('\n\n');
}

const MAX_ROWS = 300;

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => ' --- ').join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}

const details = (summary: string, body: string[]): string[] => [
  '<details>',
  `<summary>${summary}</summary>`,
  '',
  ...body,
  '',
  '</details>',
];

function impactRows(entries: readonly ServiceImpact[]): string[][] {
  // "<pending>" would read as an HTML tag in a pull-request comment.
  const listed = (list: readonly string[]) => (list.length === 0 ? 'pending' : list.join(', '));
  return entries.map((e) => [`${e.namespace}/${e.name}`, e.outcome, listed(e.before), listed(e.after), e.reason]);
}

// A pull-request comment holds about 65,000 characters: a table stops at MAX_ROWS Services.
function serviceTable(entries: readonly ServiceImpact[]): string[] {
  const header = ['Service', 'Outcome', 'Before', 'After', 'Why'];
  const rest = entries.length - MAX_ROWS;
  const note = rest > 0 ? ['', `(${rest} more: see \`plan -o json\`)`] : [];
  return [...table(header, impactRows(entries.slice(0, MAX_ROWS))), ...note];
}

/** The plan as a pull-request comment. */
export function renderPlanMarkdown(plan: ChangePlan): string {
  const lines = ['## MetalLB change plan', '', `**${verdict(plan)}**: ${targetLine(plan)}`, ''];
  if (plan.problems.length)
    lines.push('### Problems', '', ...plan.problems.map((problem) => `- ${where(problem)}`), '');
  if (plan.refusals.length)
    lines.push('### Refused', '', ...plan.refusals.map((r) => `- **${r.rule}**: ${r.message}`), '');
  lines.push('### Services', '', `${keeping(plan)} keep their IPs, ${moved(plan).length} change.`, '');
  if (moved(plan).length) lines.push(...serviceTable(moved(plan)), '');
  if (plan.unannouncedPools.length)
    lines.push(`Pools holding IPs that nothing announces: ${plan.unannouncedPools.join(', ')}`, '');
  if ((plan.projectedFindings ?? []).length)
    lines.push(
      ...details(
        'After the change, diagnose would report',
        (plan.projectedFindings ?? []).map((f) => `- ${f.severity}: ${f.title}`),
      ),
      '',
    );
  if (plan.steps.length)
    lines.push('### Steps', '', ...plan.steps.map((step, position) => `${position + 1}. ${cell(stepText(step))}`), '');
  lines.push(...details(`Every Service (${plan.impact.length})`, serviceTable(plan.impact)));
  return lines.join('\n');
}
