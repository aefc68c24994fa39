// IPAddressPool rules (internal/config/config.go addressPoolFromCR, poolsFor): the pool webhook
// parses every pool, so all of these are refused by it; an overlap by the pool admitted later.
import { parseIp } from '../../addresses.js';
import { goQuote } from '../go-format.js';
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
    const message = `${prefix(pool)}: invalid CIDR ${goQuote(entry.text)} in pool ${goQuote(name)}: ${entry.error}${hint}`;
    return [{ on: pool, rule, by: 'webhook', field, message }];
  });
}

function allocationFindings(pool: Entity<PoolSpec>): Finding[] {
  const allocation = pool.spec.serviceAllocation;
  if (allocation === null || allocation === undefined) return [];
  const base = 'spec.serviceAllocation';
  const namespaces = allocation.namespaces ?? [];
  const findings: Finding[] = [];
  const repeated = namespaces.findIndex((namespace, i) => namespaces.indexOf(namespace) !== i);
  if (repeated >= 0) {
    const message = `${prefix(pool)}: duplicate definition in namespaces field`;
    findings.push({
      on: pool,
      rule: 'duplicate-namespace',
      by: 'webhook',
      field: `${base}.namespaces[${repeated}]`,
      message,
    });
  }
  // MetalLB returns before checking selectors when only priority (or nothing) is set.
  const lists = {
    namespaceSelectors: allocation.namespaceSelectors ?? [],
    serviceSelectors: allocation.serviceSelectors ?? [],
  };
  if (namespaces.length === 0 && lists.namespaceSelectors.length === 0 && lists.serviceSelectors.length === 0)
    return [];
  for (const [listName, list] of Object.entries(lists)) {
    for (const dup of duplicateSelectors(list, listName)) {
      const field = `${base}.${listName}[${dup.index}]`;
      findings.push({
        on: pool,
        rule: 'duplicate-selector',
        by: 'webhook',
        field,
        message: `${prefix(pool)}: ${dup.message}`,
      });
    }
    findings.push(...invalidSelectors(pool, listName, list));
  }
  return findings;
}

function invalidSelectors(pool: Entity<PoolSpec>, listName: string, list: readonly LabelSelectorSpec[]): Finding[] {
  const what = listName === 'namespaceSelectors' ? 'namespace' : 'service';
  return list.flatMap((selector, index): Finding[] => {
    const error = selectorError(selector);
    if (error === null) return [];
    const message = `${prefix(pool)}: ${error}; invalid ${what} label selector in ip pool ${pool.object.name}`;
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

// Sweep per family by start address, keeping the CIDRs still open; one finding per pair of entries.
function overlapFindings(pools: readonly Entity<PoolSpec>[]): Finding[] {
  const items: RankedCidr[] = pools.flatMap((pool) =>
    poolEntries(pool).flatMap((entry) => (entry.cidrs ?? []).map((cidr) => ({ pool, entry: entry.index, cidr }))),
  );
  const findings = new Map<string, Finding>();
  for (const family of ['IPv4', 'IPv6']) {
    const sorted = items
      .filter((item) => item.cidr.family === family)
      .sort((a, b) => (a.cidr.first < b.cidr.first ? -1 : a.cidr.first > b.cidr.first ? 1 : 0));
    let open: RankedCidr[] = [];
    for (const current of sorted) {
      open = open.filter((candidate) => candidate.cidr.last >= current.cidr.first);
      for (const candidate of open) {
        const finding = overlapFinding(candidate, current);
        const key = `${finding.on.order}/${finding.field}/${candidate.pool.order}/${current.pool.order}`;
        if (!findings.has(key)) findings.set(key, finding);
      }
      open.push(current);
    }
  }
  return [...findings.values()];
}

/** Every pool problem: addresses, serviceAllocation, overlaps across and within pools. */
export function poolRules(model: ConfigModel): Finding[] {
  const own = model.pools.flatMap((pool) => [...entryFindings(pool), ...allocationFindings(pool)]);
  return [...own, ...overlapFindings(model.pools)];
}
