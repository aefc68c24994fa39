import type { TestProject } from 'vitest/node';
import { labDown, labStatus, labUp } from '../../lab/lab.js';
import type { LabRecord } from '../../lab/record.js';

declare module 'vitest' {
  export interface ProvidedContext {
    lab: LabRecord;
  }
}

/**
 * Starts the test lab once for the whole run (building its binaries on a cold machine) and hands
 * its addresses to every test through `inject('lab')`. A lab that is not running starts from a
 * clean state so a previous run's objects cannot leak in; set METALLB_LAB_KEEP=1 to leave it up.
 */
export default async function setup(project: TestProject) {
  // METALLB_TEST_LAB lets two test runs (e.g. two developers' branches) use separate labs.
  const name = process.env.METALLB_TEST_LAB ?? 'test';
  const wasRunning = labStatus({ name }).processes.every((p) => p.running);
  if (!wasRunning) await labDown({ name, wipe: true }, () => undefined);
  const record = await labUp({ name }, (line) => console.log(`[lab:${name}] ${line}`));
  project.provide('lab', record);
  return async () => {
    if (process.env.METALLB_LAB_KEEP !== '1') await labDown({ name }, () => undefined);
  };
}
