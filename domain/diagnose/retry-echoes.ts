// A MetalLB reconciler whose handler failed returns a generic error ("event handling failed, retrying") that
// controller-runtime logs as "Reconciler error". The handler has already logged the real error, so the echo
// says nothing new; reporting it as its own warning would turn one self-healing conflict into two findings.
import { epochMs, type MetallbLogLine } from '../metallb-logs.js';

/** The error MetalLB's reconcilers return when their handler failed and asked for a retry (errRetry). */
export const RETRY_ERROR = 'event handling failed, retrying';

/** How close (ms) an echo must be to the handler's error line to be its echo; `ts` has second precision. */
const ECHO_WINDOW_MS = 2_000;

const isEcho = (line: MetallbLogLine): boolean =>
  line.cause === 'reconciler-error' && line.fields['error'] === RETRY_ERROR;

/**
 * The lines without the retry echoes that follow another error line of the same component within two seconds.
 * An echo with no error near it is kept: then it is the only trace of the failure.
 */
export function withoutRetryEchoes(lines: readonly MetallbLogLine[]): MetallbLogLine[] {
  const errorSeconds = new Set<number>();
  for (const line of lines) {
    const time = epochMs(line.time);
    if (time !== null && line.level === 'error' && !isEcho(line)) errorSeconds.add(Math.floor(time / 1_000));
  }
  const explained = (time: number): boolean => {
    const second = Math.floor(time / 1_000);
    const reach = ECHO_WINDOW_MS / 1_000;
    for (let offset = -reach; offset <= reach; offset += 1) if (errorSeconds.has(second + offset)) return true;
    return false;
  };
  return lines.filter((line) => {
    const time = isEcho(line) ? epochMs(line.time) : null;
    return time === null || !explained(time);
  });
}
