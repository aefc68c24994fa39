// A Kubernetes failure raised by a command's own read (kube/ calls wrap them as ApplicationFailures typed from
// domain/failures.ts) is one line and exit 2 with what to do, from the one place the CLI turns errors into lines.
import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { clusterFailure } from '../../../client/cli-failure.js';
import { runbookFailure } from '../../../kube/call.js';

describe('cluster failures in the CLI process', () => {
  it('a forbidden read names the RBAC fix', () => {
    const failure = ApplicationFailure.create({ message: 'list Deployments: forbidden', type: 'KubeForbidden' });
    expect(clusterFailure(failure)).toEqual({
      exitCode: 2,
      message:
        "list Deployments: forbidden: this identity's RBAC does not allow it: use a --context whose user may, " +
        "or grant deploy/'s roles",
    });
  });

  it('MetalLB not found says to install it or pick the cluster that runs it', () => {
    expect(clusterFailure(runbookFailure('MetallbNotFound', 'no MetalLB controller Deployment found'))?.message).toBe(
      'no MetalLB controller Deployment found: install MetalLB, or point --context at the cluster that runs it',
    );
  });

  it('leaves other errors to their own exit codes', () => {
    expect(clusterFailure(runbookFailure('VerificationFailed', 'a Service lost its IP'))).toBeNull();
    expect(clusterFailure(new Error('KubeForbidden'))).toBeNull();
    expect(clusterFailure(undefined)).toBeNull();
  });
});
