// A MetalLB reconciler whose handler failed returns a generic error ("event handling failed, retrying") that
// controller-runtime logs as "Reconciler error". The handler has already logged the real error, so the echo
// says nothing new; reporting it as its own warning would turn one self-healing conflict into two findings.
import { epochMs, type MetallbLogLine } from '../metallb-logs.js';

/** The error MetalLB's reconcilers return when their handler failed and asked for a retry (errRetry). */
export const RETRY_ERROR = 'event handling failed, retrying';

/** How many seconds apart an echo and the handler's error line may be; `ts` has second precision. */
const ECHO_REACH_SECONDS = 2;

const secondOf = (line: MetallbLogLine): number | null => {
  const time = epochMs(line.time);
  return time === null ? null : Math.floor(time / 1_000);
};

const isEcho = (line: MetallbLogLine): boolean =>
  line.cause === 'reconciler-error' && line.fields['error'] === RETRY_ERROR;

/**
 * The lines without the retry echoes that lie within two seconds (by their
 * seconds) of another error line of the same component.
 * An echo with no error near it is kept: then it is the only trace of the failure.
 */
export function withoutRetryEchoes(lines: readonly MetallbLogLine[]): MetallbLogLine[] {
  const errorSeconds = new Set<number>();
  for (const line of lines) {
    const second = line.level === 'error' && !isEcho(line) ? secondOf(line) : null;
    if (second !== null) errorSeconds.add(second);
  }
  const explained = (second: number): boolean => {
    for (let offset = -ECHO_REACH_SECONDS; offset <= ECHO_REACH_SECONDS; offset += 1) {
      if (errorSeconds.has(second + offset)) return true;
    }
    return false;
  };
  return lines.filter((line) => {
    const second = isEcho(line) ? secondOf(line) : null;
    return second === null || !explained(second);
  });
}
