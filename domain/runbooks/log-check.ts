// Reading a freshly started MetalLB component's log: has it loaded its configuration yet, and did
// it report a configuration or allocation error since it started.
import { parseMetallbLog, type LogCause, type MetallbLogLine } from '../metallb-logs.js';

/** Errors that mean the configuration was not accepted or an IP could not be allocated. */
export const controllerErrorCauses: readonly LogCause[] = [
  'config-parse-error',
  'legacy-config-incompatible',
  'allocation-failure',
  'service-handling-failed',
];

/**
 * Errors that mean the new controller did not accept its configuration: a restart that ends with
 * one failed. Allocation errors are not among them: a new controller logs one for every Service
 * that was pending before (the cluster's state, not the restart's doing); losing an IP is caught
 * by the Service check instead.
 */
export const controllerConfigErrorCauses: readonly LogCause[] = ['config-parse-error', 'legacy-config-incompatible'];

/** Allocation errors a new controller logs; reported, not failed on. */
export const controllerAllocationCauses: readonly LogCause[] = ['allocation-failure', 'service-handling-failed'];

/** Errors that mean a speaker did not accept its configuration. */
export const speakerErrorCauses: readonly LogCause[] = [
  'config-parse-error',
  'config-rejected-by-speaker',
  'legacy-config-incompatible',
];

/** What a component log says since its start. */
export interface LogVerdict {
  /** A "config reloaded" (or a parse error) line shows the component has processed its config. */
  configProcessed: boolean;
  errors: string[];
  lines: number;
  /** Allocation outcomes (assigned or failed) logged after the first config load. */
  allocationResults: number;
}

function describe(line: MetallbLogLine): string {
  return `${line.time ?? ''} ${line.cause}: ${line.summary}`.trim();
}

/** Judges a component log: has it processed its config, and which of `errorCauses` it logged. */
export function judgeComponentLog(
  text: string,
  component: 'controller' | 'speaker',
  errorCauses: readonly LogCause[],
): LogVerdict {
  const lines = parseMetallbLog(text, component);
  const errors = lines.filter((l) => errorCauses.includes(l.cause)).map(describe);
  const processed = lines.some(
    (l) =>
      l.cause === 'config-reloaded' || l.cause === 'config-parse-error' || l.cause === 'legacy-config-incompatible',
  );
  const firstLoad = lines.findIndex((l) => l.cause === 'config-reloaded');
  const allocationResults =
    firstLoad < 0
      ? 0
      : lines.slice(firstLoad).filter((l) => l.cause === 'allocation-failure' || l.cause === 'ip-allocated').length;
  return { configProcessed: processed, errors, lines: lines.length, allocationResults };
}

/** Time of each "config reloaded" line, from the kubelet's timestamp prefix (ms precision). */
export function configReloadTimes(text: string): string[] {
  return text
    .split('\n')
    .filter((raw) => raw.includes('"config reloaded"'))
    .map((raw) => /^(\S+)\s/.exec(raw)?.[1] ?? '')
    .filter((t) => !Number.isNaN(Date.parse(t)));
}

/**
 * A speaker briefly rejects a configuration while the controller moves IPs (MetalLB 3.3), so only
 * a parse error, or a rejection not followed by a successful reload, counts.
 */
export function judgeSpeakerLog(text: string): LogVerdict {
  const lines = parseMetallbLog(text, 'speaker');
  const lastReload = lines.map((l) => l.cause).lastIndexOf('config-reloaded');
  const errors = lines
    .filter((l, i) => l.cause === 'config-parse-error' || (speakerErrorCauses.includes(l.cause) && i > lastReload))
    .map(describe);
  return { configProcessed: lastReload >= 0, errors, lines: lines.length, allocationResults: 0 };
}

/** A ConfigurationState object, reduced to what the speaker check reads. */
export interface ConfigurationStateFacts {
  name: string;
  result: string | null;
  errorSummary: string | null;
  /** Pods named in ownerReferences (MetalLB >= 0.16 owns each state by its pod). */
  ownerPods: string[];
}

/** Problems the speakers' ConfigurationState objects report, given the speaker pods now running. */
export function speakerStateProblems(
  states: readonly ConfigurationStateFacts[],
  currentPods: readonly string[],
): string[] {
  return states.flatMap((s) => {
    const stale = s.ownerPods.length > 0 && !s.ownerPods.some((p) => currentPods.includes(p));
    if (stale)
      return [`${s.name} still belongs to replaced pod ${s.ownerPods.join(', ')} (awaiting garbage collection)`];
    return s.result === 'Invalid' ? [`${s.name} reports Invalid: ${s.errorSummary ?? 'no summary'}`] : [];
  });
}

/**
 * The lines of a log read with the kubelet's timestamps that were written at or after `since`
 * (ISO): what a component logged after a write, so older errors are not counted again.
 */
export function linesSince(text: string, since: string): string {
  const from = Date.parse(since);
  return text
    .split('\n')
    .filter((raw) => {
      const time = Date.parse(/^(\S+)\s/.exec(raw)?.[1] ?? '');
      return !Number.isNaN(time) && time >= from;
    })
    .join('\n');
}
