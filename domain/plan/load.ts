// Loads desired-config files: multi-document YAML (or JSON, a subset) of MetalLB kinds, each
// document remembered with its file, position and line. Problems of the documents themselves are
// found here (malformed YAML, no apiVersion/kind/name, not a MetalLB kind, the same object twice);
// everything about the objects is validateConfig's job. A document that is not a MetalLB object is
// never echoed: it may be a Secret.
import { LineCounter, parseAllDocuments } from 'yaml';
import { goQuote } from './go-format.js';
import { isBefore } from './versions.js';
import {
  configKinds,
  type ConfigKind,
  type ConfigObject,
  type DocumentSource,
  type ValidationProblem,
} from './types.js';

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

const documentProblem = (
  source: DocumentSource,
  found: Pick<ValidationProblem, 'rule' | 'rejectedBy' | 'kind' | 'name' | 'field' | 'message'>,
): ValidationProblem => ({ source, ...found });

const labelsOf = (metadata: Record<string, unknown>): Record<string, string> =>
  isRecord(metadata.labels)
    ? Object.fromEntries(Object.entries(metadata.labels).map(([key, value]) => [key, String(value)]))
    : {};

// MetalLB's status kinds have CRDs (the API server takes them); any other metallb.io kind has none.
const metallbStatusKinds = new Set(['ServiceL2Status', 'ServiceBGPStatus', 'ConfigurationState']);

interface Where {
  source: DocumentSource;
  kind: string | null;
  name: string | null;
  /** The MetalLB version planned for (null: the newest). */
  version: string | null;
}

function unknownKind(manifest: Record<string, unknown>, where: Where): ValidationProblem {
  const [kind, apiVersion] = [text(manifest.kind), text(manifest.apiVersion)];
  const found = { kind: where.kind, name: where.name, field: 'kind', rule: 'unknown-kind' };
  if (kind === 'AddressPool' && apiVersion.startsWith('metallb.io/') && isBefore(where.version, [0, 14, 3])) {
    const message =
      `AddressPool ${goQuote(where.name ?? '')} is the legacy kind (served until v0.14.2): plan and apply handle ` +
      'IPAddressPool with an L2Advertisement or BGPAdvertisement instead; convert it';
    return documentProblem(where.source, { ...found, rejectedBy: 'tool', message });
  }
  if (apiVersion.startsWith('metallb.io/') && !metallbStatusKinds.has(kind)) {
    const message = `no matches for kind ${goQuote(kind)} in version ${goQuote(apiVersion)} (no such MetalLB kind)`;
    return documentProblem(where.source, { ...found, rejectedBy: 'apiserver', message });
  }
  const message =
    `${kind} ${goQuote(where.name ?? '')} (${apiVersion}) is not a MetalLB config object: plan and apply handle ` +
    `only ${configKinds.join(', ')}; apply it separately`;
  return documentProblem(where.source, { ...found, rejectedBy: 'tool', message });
}

// The identity every object needs before anything else can be said about it.
function identityProblem(
  manifest: Record<string, unknown>,
  source: DocumentSource,
  version: string | null,
): ValidationProblem | null {
  const kind = text(manifest.kind);
  const metadata = isRecord(manifest.metadata) ? manifest.metadata : {};
  const name = text(metadata.name);
  const where = { kind: kind || null, name: name || null };
  if (text(manifest.apiVersion) === '') {
    return documentProblem(source, {
      rule: 'missing-api-version',
      rejectedBy: 'tool',
      ...where,
      field: 'apiVersion',
      message: 'apiVersion not set',
    });
  }
  if (kind === '') {
    return documentProblem(source, {
      rule: 'missing-kind',
      rejectedBy: 'tool',
      ...where,
      field: 'kind',
      message: 'kind not set',
    });
  }
  if (!(configKinds as readonly string[]).includes(kind)) return unknownKind(manifest, { source, ...where, version });
  if (name === '') {
    const message = 'metadata.name: Required value: name or generateName is required';
    return documentProblem(source, {
      rule: 'missing-name',
      rejectedBy: 'apiserver',
      ...where,
      field: 'metadata.name',
      message,
    });
  }
  return null;
}

function objectOf(manifest: Record<string, unknown>, source: DocumentSource, namespace: string): ConfigObject {
  const metadata = isRecord(manifest.metadata) ? manifest.metadata : {};
  return {
    kind: text(manifest.kind) as ConfigKind,
    apiVersion: text(manifest.apiVersion),
    name: text(metadata.name),
    namespace: typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : namespace,
    labels: labelsOf(metadata),
    manifest,
    source,
  };
}

interface FileDocument {
  manifest: unknown;
  source: DocumentSource;
  errors: string[];
}

/** What list items need of a parsed document: their nodes' positions. */
interface ItemLookup {
  getIn(path: unknown[], keepScalar: true): unknown;
}

// kubectl's `kind: List`: each item is applied as an object of its own (it keeps the list's document).
function listItems(document: ItemLookup, manifest: unknown, source: DocumentSource, lines: LineCounter) {
  if (!isRecord(manifest) || manifest.kind !== 'List' || !Array.isArray(manifest.items)) return null;
  return manifest.items.map((item: unknown, index): FileDocument => {
    const node = document.getIn(['items', index], true) as { range?: [number, number, number] } | undefined;
    const line = node?.range === undefined ? source.line : lines.linePos(node.range[0]).line;
    return { manifest: item, source: { ...source, line }, errors: [] };
  });
}

function documentsOf(file: DesiredFile): FileDocument[] {
  const lines = new LineCounter();
  const documents = parseAllDocuments(file.text, { lineCounter: lines, uniqueKeys: true });
  const list = Array.isArray(documents) ? documents : [];
  return list.flatMap((document, index) => {
    const start = document.contents?.range[0] ?? document.range[0];
    const source = { file: file.path, document: index, line: lines.linePos(start).line };
    const errors = document.errors.map((error) => {
      const line = error.linePos?.[0].line ?? source.line;
      const column = error.linePos?.[0].col ?? 1;
      const first = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      return `${file.path}:${line}:${column}: ${first || 'malformed YAML'}`;
    });
    const manifest = errors.length > 0 ? null : (document.toJS() as unknown);
    return listItems(document, manifest, source, lines) ?? [{ manifest, source, errors }];
  });
}

const identity = (object: ConfigObject): string => `${object.kind}/${object.namespace}/${object.name}`;

const describeSource = (source: DocumentSource): string =>
  `${source.file} document ${source.document + 1} (line ${source.line})`;

const anonymous = { kind: null, name: null, field: null };

/** One document's object, or the problem that keeps it out. */
interface ReadContext {
  namespace: string;
  version: string | null;
  seen: Map<string, ConfigObject>;
}

function readDocument(entry: FileDocument, { namespace, version, seen }: ReadContext) {
  const { manifest, source, errors } = entry;
  if (errors.length > 0) {
    return errors.map((message) =>
      documentProblem(source, { rule: 'malformed-yaml', rejectedBy: 'tool', ...anonymous, message }),
    );
  }
  // Empty documents (a trailing `---`) are skipped, as kubectl skips them.
  if (manifest === null || manifest === undefined) return [];
  if (!isRecord(manifest)) {
    const message =
      `document ${source.document + 1} of ${source.file} is not an object ` +
      '(a mapping with apiVersion, kind and metadata)';
    return [documentProblem(source, { rule: 'not-an-object', rejectedBy: 'tool', ...anonymous, message })];
  }
  const refused = identityProblem(manifest, source, version);
  if (refused !== null) return [refused];
  const object = objectOf(manifest, source, namespace);
  const earlier = seen.get(identity(object))?.source;
  if (earlier === undefined || earlier === null) {
    seen.set(identity(object), object);
    return object;
  }
  const message =
    `${object.kind} ${goQuote(object.name)} is also defined in ${describeSource(earlier)}: ` +
    'kubectl apply would write both, the last one winning; keep one';
  const where = { kind: object.kind, name: object.name, field: 'metadata.name' };
  return [documentProblem(source, { rule: 'duplicate-object', rejectedBy: 'tool', ...where, message })];
}

/**
 * Reads every document of every file; see the module comment for what becomes a problem.
 * `metallbVersion` (e.g. `v0.13.12`; null = the newest) decides only how a legacy AddressPool is refused.
 */
export function loadDesiredFiles(
  files: readonly DesiredFile[],
  namespace: string,
  metallbVersion: string | null = null,
): LoadedConfig {
  const objects: ConfigObject[] = [];
  const problems: ValidationProblem[] = [];
  const context = { namespace, version: metallbVersion, seen: new Map<string, ConfigObject>() };
  for (const entry of files.flatMap(documentsOf)) {
    const read = readDocument(entry, context);
    if (Array.isArray(read)) problems.push(...read);
    else objects.push(read);
  }
  return { objects, problems };
}
