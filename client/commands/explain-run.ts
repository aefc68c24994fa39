// The run of `metallb-runbooks explain`: the same snapshot as diagnose (cluster or dumps), diagnosed, then the
// one object's chain. Exit 0 when nothing is wrong with it, 1 when something is, 2 when it cannot be explained.
import { z } from 'zod';
import { diagnose } from '../../domain/diagnose/index.js';
import { explain, parseExplainTarget, type Explanation } from '../../domain/diagnose/explain.js';
import { renderExplanation } from '../../domain/diagnose/explain-render.js';
import { CannotDiagnose, flagError, SnapshotFlagsSchema, takeSnapshot } from './diagnose-run.js';

const OptionsSchema = SnapshotFlagsSchema.extend({ output: z.enum(['human', 'json']) });

const wrong = (e: Explanation): boolean =>
  e.kind === 'Service' ? !['healthy', 'not-served'].includes(e.state) : e.rootCause !== null;

/** Validates the target and flags, takes the snapshot and explains the target. */
export async function runExplain(
  targetText: string,
  raw: unknown,
): Promise<{ explanation: Explanation; exitCode: number; text: string }> {
  const target = parseExplainTarget(targetText);
  if (target === null)
    throw new CannotDiagnose(`cannot explain "${targetText}": name svc/<namespace>/<name> or pool/<name>`);
  const parsed = OptionsSchema.safeParse(raw);
  if (!parsed.success) throw new CannotDiagnose(flagError(parsed.error));
  const { snapshot, context } = await takeSnapshot(parsed.data);
  const explanation = explain(snapshot, target, diagnose(snapshot, { context }));
  if (explanation === null) {
    const what =
      target.kind === 'service' ? `Service ${target.namespace}/${target.name}` : `IPAddressPool ${target.name}`;
    throw new CannotDiagnose(`${what} not found${context ? ` on ${context}` : ''}; check the name (kubectl get)`);
  }
  const text = parsed.data.output === 'json' ? JSON.stringify(explanation, null, 2) : renderExplanation(explanation);
  return { explanation, exitCode: wrong(explanation) ? 1 : 0, text };
}
