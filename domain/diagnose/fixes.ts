// The exact commands findings point at, built in one place so the CLI flags stay consistent.
import type { Fix } from './report.js';

const CLI = 'metallb-runbooks fix';

export function cleanupOrphansFix(serviceKey: string, explanation: string): Fix {
  return { runbook: 'cleanup-orphans', command: `${CLI} cleanup-orphans --service ${serviceKey}`, explanation };
}

/** One cleanup-orphans run for several Services (`--service` repeated), e.g. every orphan of a deleted pool. */
export function cleanupOrphansFixFor(serviceKeys: readonly string[], explanation: string): Fix {
  const services = serviceKeys.map((key) => `--service ${key}`).join(' ');
  return { runbook: 'cleanup-orphans', command: `${CLI} cleanup-orphans ${services}`, explanation };
}

export function restartControllerFix(explanation: string): Fix {
  return { runbook: 'restart-controller', command: `${CLI} restart-controller`, explanation };
}

export function restartSpeakersFix(explanation: string): Fix {
  return { runbook: 'restart-speakers', command: `${CLI} restart-speakers`, explanation };
}

export function reapplyConfigFix(explanation: string): Fix {
  return { runbook: 'reapply-config', command: `${CLI} reapply-config`, explanation };
}

/** Something only a human can decide (e.g. which addresses to add); command is what to run first. */
export function manualFix(command: string, explanation: string): Fix {
  return { runbook: 'manual', command, explanation };
}

/** `kubectl -n <ns> edit ipaddresspool <name>`, the usual manual step. */
export function editPoolCommand(namespace: string | null, pool: string): string {
  return `kubectl -n ${namespace ?? 'metallb-system'} edit ipaddresspool ${pool}`;
}
