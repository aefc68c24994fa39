// One constructor for findings so every check emits the same key order and defaults.
import type { Check, Finding, Fix, ObjectRef, Severity } from './report.js';

export interface FindingInput {
  id: string;
  severity: Severity;
  title: string;
  detail: string;
  objects?: ObjectRef[];
  fix?: Fix | null;
  data?: Finding['data'];
}

/** `const finding = findingsOf('capacity'); finding({ id, severity, title, detail, ... })` */
export function findingsOf(check: Check): (input: FindingInput) => Finding {
  // key and causedBy are filled in once every check has run (root-causes.ts).
  return ({ id, severity, title, detail, objects = [], fix = null, data }) => ({
    key: '',
    causedBy: null,
    id,
    check,
    severity,
    title,
    detail,
    objects,
    fix,
    ...(data === undefined ? {} : { data }),
  });
}
