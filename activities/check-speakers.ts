import { judgeSpeakerLog, speakerStateProblems, type ConfigurationStateFacts } from '../domain/runbooks/log-check.js';
import { metallbGroup, type KubeApis } from '../kube/apis.js';
import { isNotFound, kubeCall, runbookFailure } from '../kube/call.js';
import { readPodLog } from './component-logs.js';
import { pollUntil, type Observation } from './poll.js';

/** What checkSpeakers reads: the new speaker pods. */
export interface SpeakerCheck {
  namespace: string;
  pods: string[];
  deadline: string;
}

/** What checkSpeakers reads: the new speaker pods. */
export interface SpeakerCheckResult {
  statesChecked: number;
  logLines: number;
}

interface RawState {
  metadata?: { name?: string; labels?: Record<string, string>; ownerReferences?: { kind?: string; name?: string }[] };
  status?: { result?: string; errorSummary?: string };
}

/** ConfigurationState speaker-* objects (MetalLB >= 0.15.3); none on older versions. Also read after an apply step. */
export async function speakerStates(kube: KubeApis, namespace: string): Promise<ConfigurationStateFacts[]> {
  try {
    const list = (await kubeCall(`list ConfigurationStates in ${namespace}`, () =>
      kube.custom.listNamespacedCustomObject({
        group: metallbGroup,
        version: 'v1beta1',
        namespace,
        plural: 'configurationstates',
      }),
    )) as { items?: RawState[] };
    return (list.items ?? [])
      .filter(
        (s) =>
          s.metadata?.labels?.['metallb.io/component-type'] === 'speaker' || s.metadata?.name?.startsWith('speaker-'),
      )
      .map((s) => ({
        name: s.metadata?.name ?? '',
        result: s.status?.result ?? null,
        errorSummary: s.status?.errorSummary ?? null,
        ownerPods: (s.metadata?.ownerReferences ?? []).filter((o) => o.kind === 'Pod').map((o) => o.name ?? ''),
      }));
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

interface SpeakerLogs {
  lines: number;
  errors: string[];
}

/** Every new speaker's log judged; a log not readable yet (a pod just started) is "not yet". */
async function speakerLogErrors(kube: KubeApis, check: SpeakerCheck): Promise<Observation<SpeakerLogs>> {
  const read = await Promise.all(
    check.pods.map((pod) =>
      readPodLog(kube, check.namespace, pod, 'speaker').then(
        (text) => ({ pod, verdict: judgeSpeakerLog(text) }),
        (error: Error) => ({ pod, unreadable: error.message }),
      ),
    ),
  );
  const unreadable = read.flatMap((entry) => ('unreadable' in entry ? [`${entry.pod}: ${entry.unreadable}`] : []));
  if (unreadable.length > 0) return { done: false, seen: unreadable.join('; ') };
  const verdicts = read.flatMap((entry) => ('verdict' in entry ? [entry] : []));
  return {
    done: true,
    value: {
      lines: verdicts.reduce((sum, { verdict }) => sum + verdict.lines, 0),
      errors: verdicts.flatMap(({ pod, verdict }) => verdict.errors.map((error) => `${pod}: ${error}`)),
    },
  };
}

/** No new speaker may report a rejected configuration, in its log or its ConfigurationState. */
export async function checkSpeakers(kube: KubeApis, check: SpeakerCheck): Promise<SpeakerCheckResult> {
  const what = 'every speaker ConfigurationState to belong to a new speaker pod and not be Invalid';
  const states = await pollUntil({ what, deadline: check.deadline, intervalMs: 1000 }, async () => {
    const found = await speakerStates(kube, check.namespace);
    const problems = speakerStateProblems(found, check.pods);
    return problems.length === 0 ? { done: true, value: found.length } : { done: false, seen: problems.join('; ') };
  });
  const logsWait = { what: "the new speakers' logs to be readable", deadline: check.deadline, intervalMs: 1000 };
  const logs = await pollUntil(logsWait, () => speakerLogErrors(kube, check));
  if (logs.errors.length > 0) {
    throw runbookFailure(
      'VerificationFailed',
      `speakers report a rejected configuration since the restart: ${logs.errors[0]}`,
    );
  }
  return { statesChecked: states, logLines: logs.lines };
}
