import { describe, expect, it } from 'vitest';
import {
  celString,
  changeControlPolicyName,
  guardPolicies,
  poolAddressesPolicyName,
  poolInUsePolicyName,
} from '../../../domain/guard/policies.js';

const worker = 'metallb-runbooks:metallb-runbooks';
type Spec = {
  matchConstraints: { resourceRules: { operations: string[]; resources: string[] }[] };
  matchConditions: { expression: string }[];
  validations: { expression: string; messageExpression: string }[];
};
const specOf = (policy: { policy: unknown }) => (policy.policy as { spec: Spec }).spec;

describe('guard policies', () => {
  it('without change control: the pool-in-use and keep-addresses policies, each bound with Deny', () => {
    const policies = guardPolicies({ workerServiceAccount: worker, changeControl: null });
    expect(policies.map((policy) => policy.name)).toEqual([poolInUsePolicyName, poolAddressesPolicyName]);
    for (const policy of policies) {
      expect((policy.binding as { spec: unknown }).spec).toEqual({
        policyName: policy.name,
        validationActions: ['Deny'],
      });
      expect(specOf(policy).matchConditions[0]!.expression).toBe(
        "request.userInfo.username != 'system:serviceaccount:metallb-runbooks:metallb-runbooks'",
      );
    }
    expect(specOf(policies[0]!).matchConstraints.resourceRules[0]).toMatchObject({
      operations: ['DELETE'],
      resources: ['ipaddresspools'],
    });
    expect(specOf(policies[0]!).validations[0]!.expression).toContain('oldObject.status.assignedIPv4');
    expect(specOf(policies[0]!).validations[0]!.expression).toContain('oldObject.status.assignedIPv6');
  });

  it('change control covers every MetalLB config kind and names the break-glass groups as CEL literals', () => {
    const policies = guardPolicies({
      workerServiceAccount: worker,
      changeControl: { breakGlassGroups: ['oncall', "it's"] },
    });
    const control = policies.find((policy) => policy.name === changeControlPolicyName)!;
    expect(specOf(control).matchConstraints.resourceRules[0]!.resources).toHaveLength(6);
    expect(specOf(control).validations[0]!.expression).toBe(
      "request.userInfo.groups.exists(group, group in ['oncall', 'it\\'s'])",
    );
    expect(control.refuses).toContain('group oncall');
  });

  it('change control with no group lets only the worker write', () => {
    const policies = guardPolicies({ workerServiceAccount: worker, changeControl: { breakGlassGroups: [] } });
    expect(specOf(policies[2]!).validations[0]!.expression).toBe('false');
  });

  it('escapes CEL string literals', () => {
    expect(celString("a'b\\c")).toBe("'a\\'b\\\\c'");
  });
});
