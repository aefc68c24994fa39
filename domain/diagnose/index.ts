// `metallb-runbooks diagnose`: runs every check over one snapshot and assembles the versioned
// report. Pure and deterministic: the same snapshot gives the same report.
import type { ClusterSnapshot } from '../snapshot.js';
import { findAdvertisementProblems } from './advertisements.js';
import { announcementEvidence, findAnnouncementProblems } from './announcements.js';
import { findCapacityProblems, poolCapacityRows } from './capacity.js';
import { findComponentErrors } from './component-errors.js';
import { findConfigNotLoaded, findUnreadableInput } from './config-not-loaded.js';
import { buildContext, type DiagnoseOptions, type Rule } from './context.js';
import { findOrphanedServiceIps } from './orphaned-ips.js';
import { findPendingServices } from './pending-services.js';
import { assignKeys, linkRootCauses, rootCausesOf, synthesiseRootCauses } from './root-causes.js';
import { CHECKS, severityRank, type Check, type DiagnosisReport, type Finding } from './report.js';
import { findUnmetServiceRequests } from './unmet-requests.js';
import { findVersionAndCrdProblems, metallbInstalled } from './version-crds.js';
import { findWorkloadProblems } from './workload-health.js';

export type { DiagnoseContext, DiagnoseOptions, Rule } from './context.js';
export {
  DiagnosisReportSchema,
  FindingSchema,
  diagnosisReportJsonSchema,
  exitCodeFor,
  type Check,
  type DiagnosisReport,
  type Finding,
  type PoolCapacityRow,
  type RootCause,
  type Severity,
} from './report.js';

/** Every check, keyed by the `check` its findings carry. */
export const RULES: Readonly<Record<Check, Rule>> = {
  'orphaned-ips': findOrphanedServiceIps,
  'unmet-requests': findUnmetServiceRequests,
  'pending-services': findPendingServices,
  'component-errors': findComponentErrors,
  'config-not-loaded': findConfigNotLoaded,
  advertisements: findAdvertisementProblems,
  announcements: findAnnouncementProblems,
  'workload-health': findWorkloadProblems,
  'version-crds': findVersionAndCrdProblems,
  capacity: findCapacityProblems,
};

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// Severity first, then the order of the checks, then id and title: stable output for diffs.
function byImportance(a: Finding, b: Finding): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    CHECKS.indexOf(a.check) - CHECKS.indexOf(b.check) ||
    compareText(a.id, b.id) ||
    compareText(a.title, b.title)
  );
}

function summarise(
  findings: readonly Finding[],
  servicesChecked: number,
  poolsChecked: number,
): DiagnosisReport['summary'] {
  const count = (severity: Finding['severity']) => findings.filter((f) => f.severity === severity).length;
  const [errors, warnings, infos] = [count('error'), count('warning'), count('info')];
  const rootCauses = rootCausesOf(findings);
  return {
    errors,
    warnings,
    infos,
    servicesChecked,
    poolsChecked,
    healthy: errors === 0 && warnings === 0,
    problems: rootCauses.length,
    consequences: findings.filter((f) => f.causedBy !== null).length,
    rootCauses,
  };
}

/**
 * Runs all ten checks, then links each finding to the root cause that explains it; with no trace of MetalLB
 * only "not installed" (and unreadable input) is reported.
 */
export function diagnose(snapshot: ClusterSnapshot, options: DiagnoseOptions = {}): DiagnosisReport {
  const ctx = buildContext(snapshot);
  const installed = metallbInstalled(ctx);
  const checked = installed
    ? Object.values(RULES).flatMap((rule) => rule(ctx))
    : [...findVersionAndCrdProblems(ctx), ...findUnreadableInput(ctx)];
  const findings = installed ? [...checked, ...synthesiseRootCauses(ctx, checked)] : checked;
  findings.sort(byImportance);
  assignKeys(findings);
  linkRootCauses(ctx, findings);
  return {
    schemaVersion: 2,
    generatedAt: options.generatedAt ?? snapshot.collectedAt,
    source: snapshot.source,
    cluster: {
      metallbNamespace: snapshot.metallbNamespace,
      metallbVersion: snapshot.metallbVersion,
      context: options.context ?? null,
    },
    summary: summarise(findings, ctx.services.length, ctx.pools.length),
    findings,
    capacity: installed ? poolCapacityRows(ctx) : [],
    announcement: announcementEvidence(ctx),
  };
}
