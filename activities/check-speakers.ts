import { judgeSpeakerLog, speakerStateProblems, type ConfigurationStateFacts } from '../domain/runbooks/log-check.js';
import { metallbGroup, type KubeApis } from '../kube/apis.js';
import { isNotFound, kubeCall, runbookFailure } from '../kube/call.js';
import { readPodLog } from './component-logs.js';
import { pollUntil } from './poll.js';

export interface SpeakerCheck {
  namespace: string;
  pods: string[];
  deadline: string;
}

export interface SpeakerCheckResult {
  statesChecked: number;
  logLines: number;
}

interface RawState {
  metadata?: { name?: string; labels?: Record<string, string>; ownerReferences?: { kind?: string; name?: string }[] };
  status?: { result?: string; errorSummary?: string };
}

/** ConfigurationState speaker-* objects (MetalLB >= 0.15.3); none on older versions. */
async function speakerStates(kube: KubeApis, namespace: string): Promise<ConfigurationStateFacts[]> {
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

async function speakerLogErrors(kube: KubeApis, c: SpeakerCheck): Promise<{ lines: number; errors: string[] }> {
  const verdicts = await Promise.all(
    c.pods.map(async (pod) => ({ pod, v: judgeSpeakerLog(await readPodLog(kube, c.namespace, pod, 'speaker')) })),
  );
  return {
    lines: verdicts.reduce((sum, { v }) => sum + v.lines, 0),
    errors: verdicts.flatMap(({ pod, v }) => v.errors.map((e) => `${pod}: ${e}`)),
  };
}

/** No new speaker may report a rejected configuration, in its log or its ConfigurationState. */
export async function checkSpeakers(kube: KubeApis, c: SpeakerCheck): Promise<SpeakerCheckResult> {
  const what = 'every speaker ConfigurationState to belong to a new speaker pod and not be Invalid';
  const states = await pollUntil({ what, deadline: c.deadline, intervalMs: 1000 }, async () => {
    const found = await speakerStates(kube, c.namespace);
    const problems = speakerStateProblems(found, c.pods);
    return problems.length === 0 ? { done: true, value: found.length } : { done: false, seen: problems.join('; ') };
  });
  const logs = await speakerLogErrors(kube, c);
  if (logs.errors.length > 0) {
    throw runbookFailure(
      'VerificationFailed',
      `speakers report a rejected configuration since the restart: ${logs.errors[0]}`,
    );
  }
  return { statesChecked: states, logLines: logs.lines };
}
