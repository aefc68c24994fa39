/**
 * Our validator and the lab's real MetalLB webhook give the same verdict, case by case, over the
 * corpus in test/fixtures/plan/ (conventions in its README): earlier documents of a case are created
 * for real, the last one is server-side dry-run (dryRun=All: admission runs, nothing is stored), and
 * "the webhook denies" is compared with "our validator reports a problem on the last document that
 * the webhook or the API server rejects". The cluster's MetalLB objects must be unchanged by the dry run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { classifyKubeError } from '../../domain/kube-errors.js';
import { loadDesiredFiles } from '../../domain/plan/load.js';
import { validateConfig } from '../../domain/plan/validate.js';
import type { ConfigObject, PlanTarget, ValidationProblem } from '../../domain/plan/types.js';
import { configPlurals, deleteAllMetallbConfig, lab, labClients, waitWebhookServing } from './helpers.js';

const corpusDir = path.resolve(import.meta.dirname, '../fixtures/plan');

interface CorpusCase {
  /** `invalid/<file>` or `valid/<file>`. */
  name: string;
  file: string;
  text: string;
  header: Record<string, string>;
}

function readCorpus(kind: 'invalid' | 'valid'): CorpusCase[] {
  const dir = path.join(corpusDir, kind);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const text = readFileSync(path.join(dir, file), 'utf8');
      const header = Object.fromEntries(
        [...text.matchAll(/^# (case|rule|field|from): (.*)$/gm)].map((match) => [match[1]!, match[2]!.trim()]),
      );
      return { name: `${kind}/${file}`, file: path.join(dir, file), text, header };
    });
}

const cases = [...readCorpus('invalid'), ...readCorpus('valid')];

/** MetalLB's config kinds as the API serves them. */
const pluralOf: Record<string, string> = {
  IPAddressPool: 'ipaddresspools',
  L2Advertisement: 'l2advertisements',
  BGPAdvertisement: 'bgpadvertisements',
  BGPPeer: 'bgppeers',
  Community: 'communities',
  BFDProfile: 'bfdprofiles',
};

type Manifest = { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } } & Record<
  string,
  unknown
>;

/** Where a manifest lives on the API (undefined for a kind MetalLB does not have). */
function addressOf(manifest: Manifest) {
  const plural = pluralOf[manifest.kind ?? ''];
  const [group, version] = (manifest.apiVersion ?? '').split('/');
  if (!plural || !group || !version) return undefined;
  return { group, version, namespace: manifest.metadata?.namespace ?? lab().namespace, plural };
}

/** Every MetalLB config object's kind, name, labels and spec: what a dry run must leave as it was. */
async function metallbObjects(): Promise<string[]> {
  const { custom, namespace } = labClients();
  const seen: string[] = [];
  for (const [plural, version] of configPlurals) {
    const list = (await custom.listNamespacedCustomObject({ group: 'metallb.io', version, namespace, plural })) as {
      items: { metadata: { name: string; labels?: unknown }; spec?: unknown }[];
    };
    for (const item of list.items) {
      seen.push(JSON.stringify([plural, item.metadata.name, item.metadata.labels ?? {}, item.spec ?? {}]));
    }
  }
  return seen.sort();
}

/** Creates a context document for real; a refusal means the case's context is not valid (a broken case). */
async function createContext(manifest: Manifest, caseName: string, index: number): Promise<void> {
  const address = addressOf(manifest);
  if (!address) throw new Error(`${caseName}: context document ${index} is not a MetalLB config kind`);
  try {
    await labClients().custom.createNamespacedCustomObject({ ...address, body: manifest });
  } catch (error) {
    throw new Error(`${caseName}: context document ${index} was refused: ${classifyKubeError(error).message}`, {
      cause: error,
    });
  }
}

/** The webhook's (or API server's) verdict on a dry run of the last document: its message, or null when admitted. */
async function dryRunVerdict(manifest: Manifest, isUpdate: boolean): Promise<string | null> {
  const { custom } = labClients();
  const address = addressOf(manifest)!;
  const name = manifest.metadata?.name ?? '';
  try {
    if (isUpdate) {
      const live = (await custom.getNamespacedCustomObject({ ...address, name })) as Manifest & {
        metadata: { resourceVersion: string };
      };
      const body = { ...manifest, metadata: { ...manifest.metadata, resourceVersion: live.metadata.resourceVersion } };
      await custom.replaceNamespacedCustomObject({ ...address, name, body, dryRun: 'All' });
    } else {
      await custom.createNamespacedCustomObject({ ...address, body: manifest, dryRun: 'All' });
    }
    return null;
  } catch (error) {
    return classifyKubeError(error).message;
  }
}

const target = (): PlanTarget => ({
  namespace: lab().namespace,
  metallbVersion: 'v0.16.1',
  // The lab's controller runs without METALLB_BGP_TYPE, so MetalLB's default: native.
  bgpType: 'native',
});

const sameObject = (a: ConfigObject, b: ConfigObject) => a.kind === b.kind && a.name === b.name;

/**
 * Our validator over the case: all documents, except that earlier documents of the same kind and
 * name as the last are left out (the last replaces them, as the update does).
 */
function ourProblems(corpusCase: CorpusCase, lastIndex: number): ValidationProblem[] {
  const loaded = loadDesiredFiles([{ path: corpusCase.name, text: corpusCase.text }], lab().namespace);
  const last = loaded.objects.find((object) => object.source?.document === lastIndex);
  const objects = last
    ? loaded.objects.filter((object) => object === last || !sameObject(object, last))
    : loaded.objects;
  return [...loaded.problems, ...validateConfig(objects, target())];
}

const rejectsOnAdmission = (problem: ValidationProblem, lastIndex: number) =>
  problem.source?.document === lastIndex && (problem.rejectedBy === 'webhook' || problem.rejectedBy === 'apiserver');

describe('plan validation agrees with the real MetalLB webhook, case by case', () => {
  beforeAll(async () => {
    await waitWebhookServing();
    await deleteAllMetallbConfig();
  });
  afterAll(async () => {
    await deleteAllMetallbConfig();
  });

  it('has a corpus with both verdicts to compare', () => {
    expect(cases.some((c) => c.name.startsWith('invalid/'))).toBe(true);
    expect(cases.some((c) => c.name.startsWith('valid/'))).toBe(true);
    for (const corpusCase of cases) expect(corpusCase.header.case, `${corpusCase.name}: # case:`).toBeTruthy();
  });

  it.each(cases)('$name', async (corpusCase) => {
    expect(lab().webhook, 'the lab must serve the MetalLB webhook').not.toBeNull();
    await deleteAllMetallbConfig();
    const manifests = parseAllDocuments(corpusCase.text)
      .map((document) => document.toJS() as Manifest | null)
      .filter((manifest): manifest is Manifest => manifest !== null);
    const lastIndex = manifests.length - 1;
    const last = manifests[lastIndex]!;
    const context = manifests.slice(0, -1);
    for (const [index, manifest] of context.entries()) await createContext(manifest, corpusCase.name, index);
    const before = await metallbObjects();

    const problems = ourProblems(corpusCase, lastIndex);
    const ours = problems.filter((problem) => rejectsOnAdmission(problem, lastIndex));
    const oursText = ours.map((p) => `${p.rule} ${p.field ?? ''}: ${p.message}`).join(' | ') || 'admitted';
    if (!addressOf(last)) {
      // Not a MetalLB kind: nothing to dry-run; our validator must still refuse the document.
      console.log(
        `[agreement] ${corpusCase.name}: not a MetalLB kind | ours: ${problems.map((p) => p.rule).join(', ')}`,
      );
      expect(problems.some((problem) => problem.source?.document === lastIndex)).toBe(true);
      return;
    }
    const isUpdate = context.some((m) => m.kind === last.kind && m.metadata?.name === last.metadata?.name);
    const webhook = await dryRunVerdict(last, isUpdate);
    console.log(`[agreement] ${corpusCase.name}\n  webhook: ${webhook ?? 'admitted'}\n  ours:    ${oursText}`);
    expect(await metallbObjects(), 'the dry run changed MetalLB objects').toEqual(before);
    expect(webhook ?? '', 'the webhook is unreachable: not a verdict').not.toMatch(/failed calling webhook/);
    const verdicts = `webhook: ${webhook ?? 'admitted'} / ours: ${oursText}`;
    expect(ours.length > 0 ? 'denies' : 'admits', verdicts).toBe(webhook !== null ? 'denies' : 'admits');
  });
});
