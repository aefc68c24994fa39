// A worker starts only where its runs can be indexed: a run ending on a namespace without the
// attributes would fail its last workflow task again and again, and hold the cluster's change slot.
import type { NativeConnection } from '@temporalio/worker';
import {
  changeSearchAttributes,
  registerCommand,
  type ChangeSearchAttribute,
} from '../domain/audit/search-attributes.js';

/** The namespace lacks search attributes the runs set (exit 2, with the command that adds them). */
export class MissingSearchAttributes extends Error {
  readonly exitCode = 2;
}

/** Refuses (MissingSearchAttributes) when `namespace` lacks any of the change search attributes. */
export async function requireSearchAttributes(connection: NativeConnection, namespace: string): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(customAttributes ?? {}));
  const missing = (Object.keys(changeSearchAttributes) as ChangeSearchAttribute[]).filter((name) => !known.has(name));
  if (missing.length > 0)
    throw new MissingSearchAttributes(
      `Temporal namespace ${namespace} lacks the search attribute(s) ${missing.join(', ')} the runs set; ` +
        `register them: ${registerCommand(namespace, missing)}`,
    );
}
