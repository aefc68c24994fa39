import { DefaultLogger, Runtime } from '@temporalio/worker';

// Keep the SDK's per-worker INFO lines out of the test output; warnings and errors still show.
Runtime.install({ logger: new DefaultLogger('WARN') });

import { afterAll, beforeAll } from 'vitest';
import { expectOneRecordPerRun } from './audit-check.js';
import { temporalClient } from './helpers.js';

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
