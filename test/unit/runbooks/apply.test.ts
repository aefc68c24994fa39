// The pure decisions of apply: refusals, drift, who may decide, write groups, undo order, what
// must keep its IPs, and reading a written object back with the server's defaults.
import { namedOnly } from '../../../domain/audit/record.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangePlan, PlanStep } from '../../../domain/plan/types.js';
import {
  decisionRefusal,
  deciderRefusal,
  mustBePlaced,
  mustKeepIps,
  planDrift,
  planRefusal,
  poolsInTransit,
  specContains,
  undoOrder,
  writeGroups,
  type ApprovalState,
} from '../../../domain/runbooks/apply.js';
import type { BackupEntry } from '../../../domain/runbooks/backup.js';
import { withTestSteps } from '../../../activities/plan-live-change.js';
import { applyPlanSteps, planOf, service } from '../workflows/stub-activities.js';

const waiting: ApprovalState = {
  status: 'waiting',
  requestedBy: 'alice',
  deadline: null,
  decidedBy: null,
  reason: null,
};
const entry = (name: string): BackupEntry => ({ name, kind: 'IPAddressPool' }) as BackupEntry;

describe('apply decisions', () => {
  const seam = process.env.METALLB_RUNBOOKS_TEST_SEAMS;
  afterEach(() => {
    if (seam === undefined) delete process.env.METALLB_RUNBOOKS_TEST_SEAMS;
    else process.env.METALLB_RUNBOOKS_TEST_SEAMS = seam;
  });

  it('refuses an invalid or unsafe plan with every reason, accepts a safe one', () => {
    expect(planRefusal(planOf(applyPlanSteps))).toBeNull();
    const unsafe = planOf(applyPlanSteps, {
      safe: false,
      refusals: [{ rule: 'ip-change', message: 'shop/web would lose 192.0.2.1' }],
    });
    expect(planRefusal(unsafe)).toBe('the change is unsafe: shop/web would lose 192.0.2.1');
  });

  it('a plan drifts when the live config, the steps or the projected IPs differ', () => {
    const approved = planOf(applyPlanSteps);
    expect(planDrift(approved, planOf(applyPlanSteps))).toBeNull();
    expect(planDrift(approved, planOf(applyPlanSteps, { basedOn: 'other' }))).toContain('live MetalLB config changed');
    expect(planDrift(approved, planOf(applyPlanSteps.slice(1)))).toContain('steps differ');
    const moved: ChangePlan['impact'] = [
      { namespace: 'shop', name: 'web', before: ['192.0.2.1'], after: ['192.0.2.9'], outcome: 'changes', reason: 'x' },
    ];
    expect(planDrift(approved, planOf(applyPlanSteps, { impact: moved }))).toContain('projected IPs');
  });

  it('the requester cannot approve, anyone may reject, nothing is decided outside the gate', () => {
    const alice = namedOnly('alice');
    const bob = namedOnly('bob');
    const asUser = (username: string, label: string) => ({ ...namedOnly(label), kubernetes: { username, groups: [] } });
    expect(deciderRefusal(alice, alice, 'approve')).toContain('alice requested this change and cannot approve it');
    expect(deciderRefusal(alice, bob, 'approve')).toBeNull();
    expect(deciderRefusal(alice, alice, 'reject')).toBeNull();
    // The API server's identity decides, not the name typed: admin "bob" is still admin.
    expect(deciderRefusal(asUser('lab-admin', 'alice'), asUser('lab-admin', 'bob'), 'approve')).toContain('cannot');
    expect(deciderRefusal(asUser('lab-admin', 'alice'), asUser('lab-operator', 'alice'), 'approve')).toBeNull();
    expect(decisionRefusal({ ...waiting, status: 'planning' })).toContain('not waiting');
    expect(decisionRefusal({ ...waiting, status: 'approved' })).toContain('approval approved');
    expect(decisionRefusal(waiting)).toBeNull();
    expect(deciderRefusal(alice, namedOnly(' '), 'approve')).toContain('an identity is needed');
  });

  it('groups a step followed immediately with the next one, chains of them included', () => {
    const del = (name: string, followedImmediately?: boolean): PlanStep => ({
      action: 'delete',
      kind: 'IPAddressPool',
      name,
      why: name,
      ...(followedImmediately ? { followedImmediately } : {}),
    });
    const pins: PlanStep = { action: 'pin-services', pins: [], why: 'pins' };
    const groups = writeGroups([pins, del('a', true), del('b', true), del('c'), del('d')]);
    expect(groups.map((group) => [group.first, group.steps.length])).toEqual([
      [0, 1],
      [1, 3],
      [4, 1],
    ]);
  });

  it('undoes the written steps last first: restore what was backed up, remove what was created', () => {
    const created = entry('new');
    const backedUp = entry('old');
    const undo = undoOrder([
      { step: applyPlanSteps[0]!, backedUp: null, created },
      { step: { action: 'pin-services', pins: [], why: 'p' }, backedUp: null, created: null },
      { step: applyPlanSteps[1]!, backedUp, created: null },
    ]);
    expect(undo).toEqual([{ restore: backedUp }, { remove: created }]);
  });

  it('Services keep their IPs unless the plan projects them to move; moved and new ones must be placed', () => {
    const before = [service('shop/web', ['192.0.2.1']), service('shop/api', ['192.0.2.2']), service('shop/new', [])];
    const plan = planOf(applyPlanSteps, {
      impact: [
        {
          namespace: 'shop',
          name: 'api',
          before: ['192.0.2.2'],
          after: ['192.0.2.9'],
          outcome: 'changes',
          reason: 'x',
        },
        { namespace: 'shop', name: 'new', before: [], after: ['192.0.2.3'], outcome: 'gets', reason: 'y' },
      ],
    });
    expect(mustKeepIps(before, plan)).toEqual([{ service: 'shop/web', ips: ['192.0.2.1'] }]);
    expect(mustBePlaced(plan)).toEqual(['shop/api', 'shop/new']);
  });

  it('a written object reads back with the server defaults and still counts as written', () => {
    const live = { addresses: ['192.0.2.0/28'], autoAssign: true, avoidBuggyIPs: false };
    expect(specContains(live, { addresses: ['192.0.2.0/28'] })).toBe(true);
    expect(specContains(live, { addresses: ['192.0.2.0/27'] })).toBe(false);
    expect(specContains(live, { addresses: ['192.0.2.0/28', '198.51.100.0/28'] })).toBe(false);
    expect(specContains({ ipAddressPools: ['a'] }, { ipAddressPools: ['a'], nodeSelectors: [{}] })).toBe(false);
  });

  it('the hand-written plan seam is refused unless the worker enabled test seams', () => {
    delete process.env.METALLB_RUNBOOKS_TEST_SEAMS;
    expect(() => withTestSteps(planOf([]), applyPlanSteps)).toThrow(/METALLB_RUNBOOKS_TEST_SEAMS=1/);
    expect(withTestSteps(planOf([]), undefined).steps).toEqual([]);
    process.env.METALLB_RUNBOOKS_TEST_SEAMS = '1';
    expect(withTestSteps(planOf([]), applyPlanSteps).steps).toEqual(applyPlanSteps);
  });

  it('a refusal names each affected Service with its old and expected new IPs', () => {
    const moved = (name: string, after: string[]) => ({
      namespace: 'shop',
      name,
      before: ['192.0.2.1'],
      after,
      outcome: 'changes' as const,
      reason: 'no pool covers 192.0.2.1',
    });
    const services = [moved('web', ['192.0.2.4']), moved('db', [])];
    const unsafe = planOf(applyPlanSteps, {
      safe: false,
      refusals: [{ rule: 'ip-changes', message: '2 Services would lose or change their IP', services }],
    });
    expect(planRefusal(unsafe)).toContain(
      '2 Services would lose or change their IP (shop/web 192.0.2.1 -> 192.0.2.4, shop/db 192.0.2.1 -> pending)',
    );
  });

  it('pools created or deleted by the plan are in transit (advertisements may name them mid-swap)', () => {
    const steps: PlanStep[] = [
      { action: 'pin-services', pins: [], why: 'hold' },
      { action: 'delete', kind: 'IPAddressPool', name: 'old', why: 'swap', followedImmediately: true },
      { action: 'create', kind: 'IPAddressPool', name: 'new', manifest: {}, why: 'swap' },
      { action: 'update', kind: 'IPAddressPool', name: 'kept', manifest: {}, why: 'widen' },
      { action: 'create', kind: 'L2Advertisement', name: 'l2', manifest: {}, why: 'announce' },
    ];
    expect(poolsInTransit(planOf(steps))).toEqual(['new', 'old']);
  });
});
