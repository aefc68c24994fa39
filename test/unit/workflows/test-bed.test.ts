import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { temporalBinary } from './workflow-env.js';

describe('the fast workflow tests need the lab-built Temporal CLI', () => {
  const saved = process.env.METALLB_RUNBOOKS_CACHE;
  afterEach(() => {
    if (saved === undefined) delete process.env.METALLB_RUNBOOKS_CACHE;
    else process.env.METALLB_RUNBOOKS_CACHE = saved;
  });

  it('fails with a message saying how to build it when it is not in the cache (never downloads, never skips)', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'no-cache-'));
    process.env.METALLB_RUNBOOKS_CACHE = empty;
    try {
      expect(() => temporalBinary()).toThrow(/the Temporal CLI is not built .*: run `npm run lab -- up` once/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
