// Loads desired-config files: multi-document YAML of MetalLB kinds, each document remembered with
// its file, position and line. SEED (lead): parses and identifies documents only; the validator
// helper owns this file and completes it (zod per kind, every problem at once).
import { parseAllDocuments } from 'yaml';
import { configKinds, type ConfigKind, type ConfigObject, type ValidationProblem } from './types.js';

/** A file's path as given and its text. */
export interface DesiredFile {
  path: string;
  text: string;
}

/** The objects of the files, and every problem found while reading them. */
export interface LoadedConfig {
  objects: ConfigObject[];
  problems: ValidationProblem[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Reads every document of every file; documents without a MetalLB kind become problems. */
export function loadDesiredFiles(files: readonly DesiredFile[], namespace: string): LoadedConfig {
  const objects: ConfigObject[] = [];
  const problems: ValidationProblem[] = [];
  for (const file of files) {
    parseAllDocuments(file.text).forEach((document, index) => {
      const source = { file: file.path, document: index, line: 1 };
      const manifest: unknown = document.toJS();
      if (!isRecord(manifest)) return;
      const kind = text(manifest.kind);
      const metadata = isRecord(manifest.metadata) ? manifest.metadata : {};
      if (!(configKinds as readonly string[]).includes(kind)) {
        problems.push({
          rule: 'unknown-kind',
          rejectedBy: 'tool',
          source,
          kind,
          name: null,
          field: 'kind',
          message: `not a MetalLB config kind: "${kind}"`,
        });
        return;
      }
      objects.push({
        kind: kind as ConfigKind,
        apiVersion: text(manifest.apiVersion),
        name: text(metadata.name),
        namespace: typeof metadata.namespace === 'string' ? metadata.namespace : namespace,
        labels: isRecord(metadata.labels) ? (metadata.labels as Record<string, string>) : {},
        manifest,
        source,
      });
    });
  }
  return { objects, problems };
}
