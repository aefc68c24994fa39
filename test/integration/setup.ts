import { DefaultLogger, Runtime } from '@temporalio/worker';

// Keep the SDK's per-worker INFO lines out of the test output; warnings and errors still show.
Runtime.install({ logger: new DefaultLogger('WARN') });

import { afterAll, beforeAll } from 'vitest';
import { expectOneRecordPerRun, labAuditDirectory } from './audit-check.js';
import { temporalClient } from './helpers.js';

// Workers the tests start with other kubeconfigs (a ServiceAccount's token, a second cluster's context) keep their
// records where the lab's own do, as one volume would in a cluster: the check below reads one log.
process.env.METALLB_RUNBOOKS_AUDIT_DIR = labAuditDirectory();

// Every change run of this file leaves exactly one audit record (audit-check.ts).
let fileStartedAt = new Date();
beforeAll(() => {
  fileStartedAt = new Date(Date.now() - 1000);
});
afterAll(async () => {
  const { client, connection } = await temporalClient();
  try {
    await expectOneRecordPerRun(client, fileStartedAt);
  } finally {
    await connection.close();
  }
});
