// Validation identical to MetalLB's (webhook + controller + speaker parsers), on the config that
// would result from a change. SEED (lead): checks nothing yet; the validator helper owns this file.
import type { ConfigObject, PlanTarget, ValidationProblem } from './types.js';

/**
 * Every problem of the resulting config at once. `objects` is the whole MetalLB config after the
 * change: desired objects (with a source) plus live objects the change keeps (source null).
 */
export function validateConfig(objects: readonly ConfigObject[], target: PlanTarget): ValidationProblem[] {
  void objects;
  void target;
  return [];
}
