// IPAddressPool rules (internal/config/config.go addressPoolFromCR, poolsFor): the pool webhook
// parses every pool, so all of these are refused by it; an overlap by the pool admitted later.
import { parseIp } from '../../addresses.js';
import { goQuote } from '../go-format.js';
import { selectorPointerText, selectorValueText } from '../label-syntax.js';
import type { ConfigModel, Entity, Finding } from '../model.js';
import { formatCidr, poolEntries, type Cidr, type PoolEntry } from '../pool-addresses.js';
import type { LabelSelectorSpec, PoolSpec } from '../shapes.js';
import { duplicateSelectors, selectorError } from './selectors.js';

const prefix = (pool: Entity<PoolSpec>) => `parsing address pool ${pool.object.name}`;

function entryRule(entry: PoolEntry): string {
  if (entry.text.includes('-')) return 'invalid-range';
  return parseIp(entry.text.trim()) === null ? 'invalid-cidr' : 'bare-ip';
}

function entryFindings(pool: Entity<PoolSpec>): Finding[] {
  const name = pool.object.name;
  if (pool.spec.addresses.length === 0) {
    const message = `${prefix(pool)}: pool has no prefixes defined`;
    return [{ on: pool, rule: 'pool-no-addresses', by: 'webhook', field: 'spec.addresses', message }];
  }
  return poolEntries(pool).flatMap((entry): Finding[] => {
    const field = `spec.addresses[${entry.index}]`;
    if (entry.emptyMixedRange) {
      const message =
        `range ${goQuote(entry.text)} in pool ${goQuote(name)} mixes IPv4 and IPv6: MetalLB accepts it ` +
        'but it holds no address; write one range per family';
      return [{ on: pool, rule: 'mixed-family-range', by: 'tool', field, message }];
    }
    if (entry.error === null) return [];
    const rule = entryRule(entry);
    const hint = rule === 'bare-ip' ? ` (a single address is written ${entry.text.trim()}/32 or /128)` : '';
    const what = `invalid CIDR ${goQuote(entry.text)} in pool ${goQuote(name)}`;
    const message = `${prefix(pool)}: ${what}: ${entry.error}${hint}`;
    return [{ on: pool, rule, by: 'webhook', field, message }];
  });
}

function duplicateNamespace(pool: Entity<PoolSpec>, namespaces: readonly string[]): Finding[] {
  const repeated = namespaces.findIndex((namespace, i) => namespaces.indexOf(namespace) !== i);
  if (repeated < 0) return [];
  const message = `${prefix(pool)}: duplicate definition in namespaces field`;
  const field = `spec.serviceAllocation.namespaces[${repeated}]`;
  return [{ on: pool, rule: 'duplicate-namespace', by: 'webhook', field, message }];
}

function selectorListFindings(pool: Entity<PoolSpec>, listName: string, list: readonly LabelSelectorSpec[]) {
  const duplicates = duplicateSelectors(list, listName).map((dup): Finding => ({
    on: pool,
    rule: 'duplicate-selector',
    by: 'webhook',
    field: `spec.serviceAllocation.${listName}[${dup.index}]`,
    message: `${prefix(pool)}: ${dup.message}`,
  }));
  return [...duplicates, ...invalidSelectors(pool, listName, list)];
}

function allocationFindings(pool: Entity<PoolSpec>): Finding[] {
  const allocation = pool.spec.serviceAllocation;
  if (allocation === null || allocation === undefined) return [];
  const namespaces = allocation.namespaces ?? [];
  const lists = {
    namespaceSelectors: allocation.namespaceSelectors ?? [],
    serviceSelectors: allocation.serviceSelectors ?? [],
  };
  const findings = duplicateNamespace(pool, namespaces);
  // MetalLB returns before checking selectors when only priority (or nothing) is set.
  if (namespaces.length + lists.namespaceSelectors.length + lists.serviceSelectors.length === 0) return findings;
  return [...findings, ...Object.entries(lists).flatMap(([name, list]) => selectorListFindings(pool, name, list))];
}

function invalidSelectors(pool: Entity<PoolSpec>, listName: string, list: readonly LabelSelectorSpec[]): Finding[] {
  const name = pool.object.name;
  return list.flatMap((selector, index): Finding[] => {
    const error = selectorError(selector);
    if (error === null) return [];
    // MetalLB prints a namespace selector through its pointer (String()), a service selector by value.
    const what =
      listName === 'namespaceSelectors'
        ? `invalid namespace label selector ${selectorPointerText(selector)}`
        : `invalid service label selector ${selectorValueText(selector)}`;
    const message = `${prefix(pool)}: ${error}; ${what} in ip pool ${name}`;
    const field = `spec.serviceAllocation.${listName}[${index}]`;
    return [{ on: pool, rule: 'invalid-selector', by: 'webhook', field, message }];
  });
}

interface RankedCidr {
  pool: Entity<PoolSpec>;
  entry: number;
  cidr: Cidr;
}

const rankOf = (item: RankedCidr): [number, number] => [item.pool.order, item.entry];
const isBefore = (a: RankedCidr, b: RankedCidr): boolean => {
  const [ra, rb] = [rankOf(a), rankOf(b)];
  return ra[0] < rb[0] || (ra[0] === rb[0] && ra[1] < rb[1]);
};

function overlapFinding(one: RankedCidr, other: RankedCidr): Finding {
  const [earlier, later] = isBefore(one, other) ? [one, other] : [other, one];
  const message =
    `CIDR ${goQuote(formatCidr(later.cidr))} in pool ${goQuote(later.pool.object.name)} overlaps with ` +
    `already defined CIDR ${goQuote(formatCidr(earlier.cidr))}`;
  return { on: later.pool, rule: 'pool-overlap', by: 'webhook', field: `spec.addresses[${later.entry}]`, message };
}

const byStart = (a: RankedCidr, b: RankedCidr): number =>
  a.cidr.first < b.cidr.first ? -1 : a.cidr.first > b.cidr.first ? 1 : 0;

// Sweep one family by start address, keeping the CIDRs still open; one finding per pair of entries.
function sweepFamily(items: readonly RankedCidr[], findings: Map<string, Finding>): void {
  let open: RankedCidr[] = [];
  for (const current of [...items].sort(byStart)) {
    open = open.filter((candidate) => candidate.cidr.last >= current.cidr.first);
    for (const candidate of open) {
      const finding = overlapFinding(candidate, current);
      const key = `${finding.on.order}/${finding.field}/${candidate.pool.order}/${current.pool.order}`;
      if (!findings.has(key)) findings.set(key, finding);
    }
    open.push(current);
  }
}

function overlapFindings(pools: readonly Entity<PoolSpec>[]): Finding[] {
  const items: RankedCidr[] = pools.flatMap((pool) =>
    poolEntries(pool).flatMap((entry) => (entry.cidrs ?? []).map((cidr) => ({ pool, entry: entry.index, cidr }))),
  );
  const findings = new Map<string, Finding>();
  for (const family of ['IPv4', 'IPv6']) {
    sweepFamily(
      items.filter((item) => item.cidr.family === family),
      findings,
    );
  }
  return [...findings.values()];
}

/** Every pool problem: addresses, serviceAllocation, overlaps across and within pools. */
export function poolRules(model: ConfigModel): Finding[] {
  const own = model.pools.flatMap((pool) => [...entryFindings(pool), ...allocationFindings(pool)]);
  return [...own, ...overlapFindings(model.pools)];
}
