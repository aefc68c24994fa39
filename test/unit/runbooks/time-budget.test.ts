import { describe, expect, it } from 'vitest';
import { recreateTimeRefusal, recreateWorstCaseSeconds } from '../../../domain/runbooks/time-budget.js';
import { defaultWaitLimits } from '../../../domain/runbooks/types.js';

describe('the time a re-create needs before its run times out', () => {
  const worstCase = recreateWorstCaseSeconds(defaultWaitLimits);

  it('covers both waits and a whole compensation', () => {
    const { configProcessedSeconds, serviceIpsSeconds } = defaultWaitLimits;
    expect(worstCase).toBeGreaterThan(configProcessedSeconds + 2 * serviceIpsSeconds + 3 * 600);
    expect(recreateWorstCaseSeconds({ ...defaultWaitLimits, serviceIpsSeconds: 1000 })).toBeGreaterThan(worstCase);
  });

  it('refuses with less time left than the worst case, allows with more or without a timeout', () => {
    expect(recreateTimeRefusal(worstCase - 1, defaultWaitLimits)).toMatch(/longer --timeout \(at least \d+m\)$/);
    expect(recreateTimeRefusal(worstCase, defaultWaitLimits)).toBeNull();
    expect(recreateTimeRefusal(null, defaultWaitLimits)).toBeNull();
  });
});
