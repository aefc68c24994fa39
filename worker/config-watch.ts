// The config watch: the worker watches every MetalLB config kind of its cluster and records each change
// made outside this tool (an operator's kubectl, a GitOps sync, Helm) in the same audit log as our runs.
// Events are handled one at a time; after each record the bookmark (audit/watch-state.ts) is saved, so a
// restart resumes from the last recorded resourceVersion, and a 410 Gone relists and records the gap once.
import { createHash } from 'node:crypto';
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { appendAuditRecord, keptRecordIds, readRecords } from '../audit/log-store.js';
import { loadWatchState, saveWatchState, type WatchState } from '../audit/watch-state.js';
import type { ChainedRecord, ObservedObject } from '../domain/audit/record.js';
import {
  deleteWriter,
  objectKey,
  observedChangeId,
  observedDiff,
  observedObject,
  observedRecord,
  relistChanges,
  specChanged,
  watchedObject,
  writerOf,
  type RelistChange,
  type ServedObject,
  type WatchedObject,
  type Writer,
} from '../domain/audit/observed.js';
import { classifyKubeError } from '../domain/kube-errors.js';
import { canonicalJson, configKinds } from '../domain/runbooks/backup.js';
import { fieldManager } from '../domain/runbooks/names.js';
import { kubeApis, metallbGroup, type KubeApis } from '../kube/apis.js';
import { kubeCall } from '../kube/call.js';
import { metallbCrdVersions } from '../kube/config-crds.js';
import { findMetallbWorkloads } from '../kube/metallb-workloads.js';

/** One of our runs: the one holding the cluster's change slot when a write under our field manager was seen. */
export interface OurRun {
  workflowId: string;
  runId: string;
}

/** What the config watch needs from the worker. */
export interface ConfigWatchOptions {
  kc: KubeConfig;
  cluster: string;
  /** The audit directory: the records, and the watch's state file beside them. */
  directory: string;
  /** Told after each record kept (the forwarder). */
  onKept?: () => void;
  /** Our run holding the change slot at `at`, or null when none did; throws when Temporal cannot say. */
  ourRun?: (at: string) => Promise<OurRun | null>;
  log?: (line: string) => void;
  /** MetalLB's namespace (default: where its controller runs, else metallb-system). */
  namespace?: string;
}

/** A running config watch. */
export interface ConfigWatch {
  /** Resolves once the watch has its starting point (the saved bookmark, or a first baseline). */
  ready: Promise<void>;
  /** Records kept since it started. */
  recorded(): number;
  stop(): Promise<void>;
}

interface WatchedKind {
  kind: string;
  plural: string;
  version: string;
}

interface Session {
  options: ConfigWatchOptions;
  kube: KubeApis;
  log: (line: string) => void;
  kinds: WatchedKind[];
  state: WatchState | null;
  recorded: number;
  stopped: boolean;
  stopWaiters: (() => void)[];
  /** A save of the bookmark is due (set after each event; done within `saveEveryMs`). */
  saveTimer: NodeJS.Timeout | null;
  saving: Promise<void>;
}

/** The server closes a watch after this long; the client's inactivity timer is set beyond it. */
const watchTimeoutSeconds = 240;
const longestBackoffMs = 30_000;
/**
 * The bookmark is saved at most this often: a record is kept before the bookmark moves past it, and a record
 * kept again is found by its id, so events replayed after a crash (at most this much) are not recorded twice.
 */
const saveEveryMs = 1_000;

/** Saves the state now (after what is being saved already). */
function saveNow(session: Session): Promise<void> {
  if (session.saveTimer) clearTimeout(session.saveTimer);
  session.saveTimer = null;
  const state = session.state;
  const save = () => (state ? saveWatchState(session.options.directory, state) : undefined);
  session.saving = session.saving.catch(() => undefined).then(save);
  return session.saving;
}

/** Saves the state within `saveEveryMs` (one write for every event in between). */
function saveSoon(session: Session): void {
  session.saveTimer ??= setTimeout(() => {
    saveNow(session).catch((error: Error) => session.log(`config watch: bookmark not saved: ${error.message}`));
  }, saveEveryMs);
}

class WatchGone extends Error {}

/** A watch that went quiet or closed is resumed from its bookmark; only other errors count as failures. */
const isQuiet = (error: unknown): boolean => error === null || (error as Error | null)?.name === 'TimeoutError';

const isGone = (error: unknown): boolean =>
  error instanceof WatchGone || (error as { statusCode?: unknown } | null)?.statusCode === 410;

async function watchedKinds(kube: KubeApis): Promise<WatchedKind[]> {
  const versions = await metallbCrdVersions(kube);
  return configKinds.flatMap(({ kind, plural }) => {
    const version = versions.get(plural)?.storage;
    return version ? [{ kind, plural, version }] : [];
  });
}

async function metallbNamespace(session: Session): Promise<string> {
  if (session.options.namespace) return session.options.namespace;
  return findMetallbWorkloads(session.kube).then(
    (found) => found.namespace,
    () => 'metallb-system',
  );
}

interface Listed {
  objects: Map<string, WatchedObject>;
  resourceVersions: Record<string, string>;
}

async function listAll(session: Session, namespace: string): Promise<Listed> {
  const lists = await Promise.all(
    session.kinds.map(async ({ kind, plural, version }) => {
      const list = (await kubeCall(`list ${plural}.${metallbGroup} in ${namespace}`, () =>
        session.kube.custom.listNamespacedCustomObject({ group: metallbGroup, version, namespace, plural }),
      )) as { metadata?: { resourceVersion?: string }; items?: ServedObject[] };
      return { kind, list };
    }),
  );
  const objects = new Map<string, WatchedObject>();
  const resourceVersions: Record<string, string> = {};
  for (const { kind, list } of lists) {
    resourceVersions[kind] = list.metadata?.resourceVersion ?? '';
    for (const item of list.items ?? []) {
      const object = watchedObject(kind, item);
      objects.set(objectKey(object), object);
    }
  }
  return { objects, resourceVersions };
}

function stateFrom(session: Session, namespace: string, listed: Listed): WatchState {
  const kinds = Object.fromEntries(
    session.kinds.map(({ kind, version }) => [kind, { version, resourceVersion: listed.resourceVersions[kind] ?? '' }]),
  );
  return {
    cluster: session.options.cluster,
    namespace,
    kinds,
    objects: Object.fromEntries(listed.objects),
    savedAt: new Date().toISOString(),
  };
}

async function keep(session: Session, changes: RelistChange[], id: string, gap: WatchState['savedAt'] | null) {
  const seenAt = new Date().toISOString();
  const record = observedRecord({
    id,
    cluster: session.options.cluster,
    changes,
    seenAt,
    gap: gap === null ? null : { since: gap, relistedAt: seenAt, why: 'the watch history was gone (410 Gone)' },
  });
  const { record: kept, alreadyKept } = await appendAuditRecord(session.options.directory, record);
  if (!alreadyKept) session.recorded++;
  session.options.onKept?.();
  return { seq: kept.seq, alreadyKept };
}

/**
 * The objects as last recorded: the state, and the watch's records kept after it (a crash between a record and
 * the state's save leaves the state one record behind).
 */
async function withRecordedSince(directory: string, state: WatchState): Promise<Map<string, WatchedObject>> {
  const known = new Map(Object.entries(state.objects));
  const after = state.recordedThrough ?? Number.MAX_SAFE_INTEGER;
  const watchedHere = (record: ChainedRecord) =>
    record.seq > after && record.cluster === state.cluster && record.observed && !record.observed.gap;
  for await (const record of readRecords(directory))
    if (watchedHere(record)) record.observed!.objects.forEach((change) => replayOnto(known, change));
  return known;
}

/** One recorded change applied to the objects as last recorded. */
function replayOnto(known: Map<string, WatchedObject>, change: ObservedObject): void {
  if (change.action === 'delete') return void known.delete(change.object);
  const [kind = '', name = ''] = change.object.split('/');
  const { namespace, uid, resourceVersion, spec } = change;
  known.set(change.object, { kind, name, namespace, uid, resourceVersion, spec, managers: [] });
}

/** Whether the watch recorded this change before the state could move past it (a crash in between). */
function recordedAlready(kept: ReadonlySet<string>, cluster: string, change: ObservedObject): boolean {
  const prefix = `observed/${cluster}/${change.object}/${change.uid}/`;
  // A delete's record is named by the delete's resourceVersion, which a list cannot tell: any record of the object.
  if (change.action === 'delete') return [...kept].some((id) => id.startsWith(prefix) && id.endsWith('/deleted'));
  return kept.has(`${prefix}${change.resourceVersion}`);
}

/** Relists every kind after 410 Gone (or a changed CRD version): the gap's difference is one record. */
async function relist(session: Session, why: string): Promise<void> {
  const state = session.state!;
  const listed = await listAll(session, state.namespace);
  const known = await withRecordedSince(session.options.directory, state);
  const all = relistChanges(known, listed.objects, new Date().toISOString());
  const kept = await keptRecordIds(session.options.directory);
  // Writes under our field manager are in our runs' records (the last writer is all a relist can tell), and a
  // change recorded just before a crash that kept the state from moving is recorded already.
  const changes = all.filter(
    ({ change }) => change.manager !== fieldManager && !recordedAlready(kept, state.cluster, change),
  );
  let outcome = 'no change while not watching';
  if (changes.length > 0) {
    const basis = { from: state.kinds, changes: changes.map(({ change }) => ({ ...change, changedAt: null })) };
    const digest = createHash('sha256').update(canonicalJson(basis)).digest('hex').slice(0, 16);
    const kept = await keep(session, changes, `observed/${state.cluster}/relist/${digest}`, state.savedAt);
    outcome = `${changes.length} change(s) while not watching recorded as one record #${kept.seq}`;
  }
  const ours = all.length - changes.length;
  session.log(`config watch: ${why}: relisted; ${outcome}${ours ? ` (${ours} last written by our runs)` : ''}`);
  session.state = stateFrom(session, state.namespace, listed);
  await saveNow(session);
}

const sameKinds = (state: WatchState, kinds: readonly WatchedKind[]) =>
  kinds.length === Object.keys(state.kinds).length &&
  kinds.every(({ kind, version }) => state.kinds[kind]?.version === version);

/** Loads the saved bookmark, or takes a first baseline (existing objects are not recorded: nothing changed). */
async function begin(session: Session): Promise<void> {
  session.kinds = await watchedKinds(session.kube);
  const saved = await loadWatchState(session.options.directory, session.options.cluster);
  if (saved) {
    session.state = saved;
    const bookmarks = Object.entries(saved.kinds).map(([kind, mark]) => `${kind} ${mark.resourceVersion}`);
    session.log(`config watch: resuming from the last recorded resourceVersions (${bookmarks.join(', ')})`);
    if (!sameKinds(saved, session.kinds)) await relist(session, 'the MetalLB CRDs changed version');
    return;
  }
  const namespace = await metallbNamespace(session);
  const listed = await listAll(session, namespace);
  session.state = stateFrom(session, namespace, listed);
  await saveNow(session);
  session.log(
    `config watch: first start: ${listed.objects.size} object(s) in ${namespace} taken as the baseline ` +
      '(not recorded); recording changes from here on',
  );
}

type Ownership = { ours: true; run: string } | { ours: false; note: string | null };

/** Whether a write (or a delete, `writer` null) is one of our runs': our field manager and a run holding the slot. */
async function ownership(session: Session, writer: Writer | null, at: string): Promise<Ownership> {
  if (writer !== null && writer.manager !== fieldManager) return { ours: false, note: null };
  const ourRun = session.options.ourRun;
  if (!ourRun) return writer ? { ours: true, run: 'a run of ours (not checked)' } : { ours: false, note: null };
  try {
    const run = await ourRun(at);
    if (run) return { ours: true, run: `${run.workflowId} run ${run.runId}` };
    const note = writer ? `field manager ${fieldManager}, but no run of ours held the change slot` : null;
    return { ours: false, note };
  } catch (error) {
    if (writer) return { ours: true, run: `our field manager (Temporal could not say which run: ${String(error)})` };
    return { ours: false, note: 'Temporal could not say whether one of our runs held the change slot' };
  }
}

async function recordOne(session: Session, change: RelistChange, object: WatchedObject): Promise<number> {
  const id = observedChangeId(session.options.cluster, object, change.change.action);
  const kept = await keep(session, [change], id, null);
  const fields = change.diff.fields.length;
  session.log(
    `config watch: ${change.change.object} ${change.change.action} by ${change.change.manager} ` +
      `(${fields} field(s)) recorded as #${kept.seq}${kept.alreadyKept ? ' (already kept)' : ''}`,
  );
  return kept.seq;
}

/** The object as last recorded, unless it is another object of the same name (deleted and created again). */
function lastRecorded(session: Session, now: WatchedObject): WatchedObject | undefined {
  const known = session.state!.objects[objectKey(now)];
  return known && known.uid === now.uid ? known : undefined;
}

/** The object as the state keeps it from now on (undefined: gone). */
function remember(session: Session, key: string, object: WatchedObject | undefined): void {
  if (object) session.state!.objects[key] = object;
  else delete session.state!.objects[key];
}

/**
 * Keeps the record, then the state that includes it (saved at once: a relist after a crash diffs against it).
 * The state moves only after the record is kept, so a failed append is retried from the event again.
 */
async function recordAndRemember(session: Session, change: RelistChange, object: WatchedObject, kept?: WatchedObject) {
  session.state!.recordedThrough = await recordOne(session, change, object);
  remember(session, change.change.object, kept);
  await saveNow(session);
}

async function onWritten(session: Session, now: WatchedObject): Promise<void> {
  const key = objectKey(now);
  const before = lastRecorded(session, now);
  if (before?.resourceVersion === now.resourceVersion) return;
  if (!specChanged(before, now)) return remember(session, key, now);
  const writer = writerOf(before, now);
  const seenAt = new Date().toISOString();
  const owner = await ownership(session, writer, writer.at ?? seenAt);
  const action = before ? 'update' : 'create';
  if (owner.ours) {
    session.log(`config watch: ${key} ${action} is ours (${owner.run}): that run's record has it`);
    return remember(session, key, now);
  }
  const change = observedObject(action, now, { ...writer, note: owner.note ?? writer.note }, seenAt);
  await recordAndRemember(session, { change, diff: observedDiff(change, before?.spec, now.spec) }, now, now);
}

async function onDeleted(session: Session, gone: WatchedObject): Promise<void> {
  const key = objectKey(gone);
  const last = session.state!.objects[key];
  const seenAt = new Date().toISOString();
  const owner = await ownership(session, null, seenAt);
  if (owner.ours) {
    session.log(`config watch: ${key} delete while ${owner.run} held the change slot: that run's record has it`);
    return remember(session, key, undefined);
  }
  const writer = deleteWriter(last ?? gone);
  const change = observedObject('delete', { ...gone, spec: last?.spec ?? gone.spec }, writer, seenAt);
  await recordAndRemember(session, { change, diff: observedDiff(change, change.spec, undefined) }, gone);
}

interface WatchEvent {
  type: string;
  object: ServedObject & { code?: number; message?: string };
}

async function onEvent(session: Session, kind: string, event: WatchEvent): Promise<void> {
  const state = session.state!;
  if (event.type === 'ERROR') {
    if (event.object.code === 410) throw new WatchGone(event.object.message ?? '410 Gone');
    throw new Error(`watch of ${kind}: ${event.object.message ?? 'error event'}`);
  }
  const resourceVersion = event.object.metadata?.resourceVersion ?? '';
  if (event.type === 'DELETED') await onDeleted(session, watchedObject(kind, event.object));
  else if (event.type !== 'BOOKMARK') await onWritten(session, watchedObject(kind, event.object));
  state.kinds[kind] = { ...state.kinds[kind]!, resourceVersion };
  saveSoon(session);
}

type SessionEnd = 'gone' | 'ended';

/** Watches every kind from its bookmark until one watch ends (all are closed then, and resumed together). */
function watchAll(session: Session): Promise<SessionEnd> {
  if (session.stopped) return Promise.resolve('ended');
  const state = session.state!;
  const watch = new Watch(session.options.kc);
  // The client aborts a watch silent for 30 s (private in its types); the server's timeout and bookmarks come later.
  (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = (watchTimeoutSeconds + 60) * 1000;
  return new Promise<SessionEnd>((resolve, reject) => {
    const controllers: AbortController[] = [];
    let finished = false;
    let queue = Promise.resolve();
    const finish = (error: unknown) => {
      if (finished) return;
      finished = true;
      controllers.forEach((controller) => controller.abort());
      void queue.then(() => {
        if (isQuiet(error)) resolve('ended');
        else if (isGone(error)) resolve('gone');
        else reject(error instanceof Error ? error : new Error(String(error)));
      });
    };
    session.stopWaiters.push(() => finish(null));
    for (const { kind, plural, version } of session.kinds) {
      const path = `/apis/${metallbGroup}/${version}/namespaces/${state.namespace}/${plural}`;
      const query = {
        allowWatchBookmarks: true,
        resourceVersion: state.kinds[kind]?.resourceVersion ?? '',
        timeoutSeconds: watchTimeoutSeconds,
      };
      const onData = (type: string, object: WatchEvent['object']) => {
        queue = queue.then(() => (finished ? undefined : onEvent(session, kind, { type, object }))).catch(finish);
      };
      void watch
        .watch(path, query, onData, (error: unknown) => finish(error ?? null))
        .then((controller) => (finished ? controller.abort() : controllers.push(controller)), finish);
    }
  });
}

const pause = (session: Session, ms: number) =>
  new Promise<void>((resolve) => {
    if (session.stopped) return resolve();
    const timer = setTimeout(resolve, ms);
    session.stopWaiters.push(() => {
      clearTimeout(timer);
      resolve();
    });
  });

async function runOnce(session: Session): Promise<void> {
  const end = await watchAll(session).finally(() => (session.stopWaiters = []));
  if (end === 'gone' && !session.stopped)
    await relist(session, 'the last recorded resourceVersion is too old (410 Gone)');
}

async function loop(session: Session, started: () => void, failedToStart: (error: unknown) => void): Promise<void> {
  let failures = 0;
  while (!session.stopped) {
    try {
      if (session.state === null) await begin(session);
      started();
      await runOnce(session);
      failures = 0;
    } catch (error) {
      failures++;
      const waitMs = Math.min(longestBackoffMs, 1000 * 2 ** Math.min(failures, 5));
      session.log(`config watch: ${classifyKubeError(error).message}; retrying in ${waitMs / 1000}s`);
      if (failures === 3) failedToStart(error);
      await pause(session, waitMs);
    }
  }
}

/** Starts watching `options.cluster`'s MetalLB config; every change made outside this tool is recorded. */
export function startConfigWatch(options: ConfigWatchOptions): ConfigWatch {
  const session: Session = {
    options,
    kube: kubeApis(options.kc),
    log: options.log ?? ((line) => console.log(line)),
    kinds: [],
    state: null,
    recorded: 0,
    stopped: false,
    stopWaiters: [],
    saveTimer: null,
    saving: Promise.resolve(),
  };
  let markReady: () => void = () => undefined;
  let markFailed: (error: unknown) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  ready.catch(() => undefined);
  const running = loop(session, markReady, markFailed);
  return {
    ready,
    recorded: () => session.recorded,
    async stop() {
      session.stopped = true;
      session.stopWaiters.forEach((wake) => wake());
      await running;
      await saveNow(session);
      session.log(`config watch of ${options.cluster} stopped (${session.recorded} record(s) kept)`);
    },
  };
}
