// The bad-input corpus, as a table: each case is a command line (and the environment it runs in) that must end with
// exit 2 and one line on stderr saying what is wrong (`says`) and, where the line carries it, what to do. The files
// the cases read are in test/fixtures/bad-input/files; bad-input-corpus.test.ts runs them against the lab.
import path from 'node:path';
import { root } from './cli-helpers.js';

/** One bad input. */
export interface BadInput {
  name: string;
  args: string[];
  /** What the one line must match. */
  says: RegExp;
  /** Variables on top of the group's environment (e.g. another $KUBECONFIG). */
  env?: Record<string, string>;
}

/** Files and settings the cases point at, made by the test (kubeconfigs for unreachable or refusing servers). */
export interface CaseTargets {
  /** A directory with nothing in it. */
  emptyDir: string;
  /** A kubeconfig whose server is a loopback port nothing listens on. */
  unreachableKubeconfig: string;
  /** The lab's API server with a token it does not know. */
  unknownTokenKubeconfig: string;
  /** https:// to a loopback port that speaks plain HTTP (the lab's Alertmanager). */
  plainHttpKubeconfig: string;
  /** A loopback host:port nothing listens on, as a Temporal address. */
  closedTemporal: string;
  /** The context of a cluster no worker serves (cli-helpers ownCluster) and the $KUBECONFIG that names it. */
  unservedContext: string;
  unservedKubeconfigEnv: string;
}

export const file = (name: string) => path.join(root, 'test/fixtures/bad-input/files', name);
const valid = file('valid-pool.yaml');

const c = (name: string, args: string[], says: RegExp, env?: Record<string, string>): BadInput => ({
  name,
  args,
  says,
  ...(env ? { env } : {}),
});

const usage = (command: string) => new RegExp(`\\(usage: metallb-runbooks ${command} --help\\)$`);
const duration = (flag: string, value: string) =>
  new RegExp(`^${flag} "${value.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}" must be a duration like 30m or 1h$`);
const loadProblem = (what: RegExp) =>
  new RegExp(`^the desired config has \\d+ problem\\(s\\), nothing was changed: .*${what.source}`);

/** The command line: flags, arguments, durations. Nothing here needs a server. */
export const flagCases: BadInput[] = [
  c('fix without a runbook', ['fix'], /missing required argument 'runbook'.*\(usage: metallb-runbooks fix --help\)$/),
  c('fix of an unknown runbook', ['fix', 'nope'], /^unknown runbook "nope"; choose one of restart-controller, /),
  c(
    'a runbook name in capitals',
    ['fix', 'RESTART-CONTROLLER'],
    /^unknown runbook "RESTART-CONTROLLER"; choose one of/,
  ),
  c('fix with an unknown flag', ['fix', 'restart-controller', '--bogus'], /^unknown option '--bogus'/),
  c('fix with two runbooks', ['fix', 'restart-controller', 'restart-speakers'], /^too many arguments for 'fix'/),
  c('--context without its value', ['fix', 'restart-controller', '--context'], /'--context <name>' argument missing/),
  c('--requested-by without its value', ['fix', 'restart-controller', '--requested-by'], /argument missing/),
  c('a --timeout that is no duration', ['fix', 'restart-controller', '--timeout', '5x'], duration('--timeout', '5x')),
  c('an empty --timeout', ['fix', 'restart-controller', '--timeout', ''], duration('--timeout', '')),
  c('a negative --timeout', ['fix', 'restart-controller', '--timeout', '-1h'], duration('--timeout', '-1h')),
  c('a --timeout in words', ['fix', 'restart-speakers', '--timeout', 'an hour'], duration('--timeout', 'an hour')),
  c('--wait and --no-wait', ['fix', 'restart-controller', '--wait', '--no-wait'], /^--wait and --no-wait contradict/),
  c('--recreate on restart-controller', ['fix', 'restart-controller', '--recreate'], /^--recreate only applies to/),
  c('--service on restart-speakers', ['fix', 'restart-speakers', '--service', 'a/b'], /^--service only applies to/),
  c('a --service without a namespace', ['fix', 'cleanup-orphans', '--service', 'web'], /^--service "web" must be/),
  c('a --service with three parts', ['fix', 'cleanup-orphans', '--service', 'a/b/c'], /^--service "a\/b\/c" must be/),
  c('a --service with a space', ['fix', 'cleanup-orphans', '--service', 'a b/c'], /^--service "a b\/c" must be/),
  c('--backup-file on restart-controller', ['fix', 'restart-controller', '--backup-file', 'b.yaml'], /only apply to/),
  c('--backup-of without --backup-file', ['fix', 'reapply-config', '--backup-of', 'x'], /^--backup-of needs/),
  c('apply without -f', ['apply'], /^apply needs the desired config: -f <file\|dir>/),
  c('apply -f without its value', ['apply', '-f'], /'-f, --filename <file\|dir>' argument missing/),
  c('apply with an unknown flag', ['apply', '-f', valid, '--frobnicate'], /^unknown option '--frobnicate'/),
  c('--prune without a scope', ['apply', '-f', valid, '--prune'], /^--prune needs a scope/),
  c('a malformed --selector', ['apply', '-f', valid, '--prune', '-l', 'bad'], /^--selector "bad" must be key=value/),
  c('--selector and --all', ['apply', '-f', valid, '--prune', '-l', 'a=b', '--all'], /^--prune takes -l\/--selector/),
  c('--selector without --prune', ['apply', '-f', valid, '-l', 'a=b'], /only apply with --prune$/),
  c('--all without --prune', ['apply', '-f', valid, '--all'], /only apply with --prune$/),
  c('--approval-timeout alone', ['apply', '-f', valid, '--approval-timeout', '10m'], /only applies with --approval$/),
  c(
    'a bad --approval-timeout',
    ['apply', '-f', valid, '--approval', '--approval-timeout', '2x'],
    duration('--approval-timeout', '2x'),
  ),
  c(
    'a --timeout shorter than the approval wait',
    ['apply', '-f', valid, '--approval', '--approval-timeout', '2h', '--timeout', '1h'],
    /^--timeout must be longer than --approval-timeout/,
  ),
  c(
    'an apply --timeout that is no duration',
    ['apply', '-f', valid, '--timeout', 'soon'],
    duration('--timeout', 'soon'),
  ),
  c('apply --backup-of without a file', ['apply', '--backup-of', 'x'], /^--backup-of needs --backup-file$/),
  c('--backup-file with --no-wait', ['apply', '-f', valid, '--backup-file', 'b.yaml', '--no-wait'], /drop --no-wait/),
  c('apply --wait --no-wait', ['apply', '-f', valid, '--wait', '--no-wait'], /^--wait and --no-wait contradict/),
  c('plan without -f', ['plan'], /^--filename is required/),
  c('a plan output that does not exist', ['plan', '-f', valid, '-o', 'xml'], /^--output .*"human"\|"json"\|"markdown"/),
  c('plan --prune without a scope', ['plan', '-f', valid, '--prune'], /^--prune needs a scope/),
  c(
    'a MetalLB version that is none',
    ['plan', '-f', valid, '--metallb-version', 'banana'],
    /must look like v0\.15\.3$/,
  ),
  c('a BGP type that does not exist', ['plan', '-f', valid, '--bgp-type', 'quantum'], /^--bgp-type .*"native"/),
  c('a diagnose output that does not exist', ['diagnose', '-o', 'xml'], /^--output .*"human"\|"json"/),
  c('a severity that does not exist', ['diagnose', '--fail-on', 'fatal'], /^--fail-on .*"error"\|"warning"\|"info"/),
  c('a --since in words', ['diagnose', '--since', 'yesterday'], /^--since must be a duration like 30m/),
  c('a zero --since', ['diagnose', '--since', '0'], /^--since must be a duration like 30m/),
  c('diagnose with an unknown flag', ['diagnose', '--bogus'], usage('diagnose')),
  c('explain without a target', ['explain'], /missing required argument 'target'/),
  c('explain of an unknown kind', ['explain', 'foo/bar'], /^cannot explain "foo\/bar": name svc\/<namespace>\/<name>/),
  c('explain of a Service without namespace', ['explain', 'svc/web'], /^cannot explain "svc\/web"/),
  c('explain of a pool without a name', ['explain', 'pool/'], /^cannot explain "pool\/"/),
  c('an explain output that does not exist', ['explain', 'svc/a/b', '-o', 'xml'], /^--output .*"human"\|"json"/),
  c('history --since that is no duration', ['history', '--since', '3q'], /^--since 3q is not a duration; give e\.g\./),
  c('a negative --limit', ['history', '--limit', '-1'], /^--limit -1 is not a count; give e\.g\. 50/),
  c('a --limit in words', ['history', '--limit', 'all'], /^--limit all is not a count/),
  c(
    'an outcome that does not exist',
    ['history', '--outcome', 'maybe'],
    /^--outcome maybe is not an outcome; give one/,
  ),
  c('an --object that names nothing', ['history', '--object', 'nonsense'], /^--object nonsense names no object; give/),
  c('a history format that does not exist', ['history', '-o', 'xml'], /^-o xml is not a format; give table or json$/),
  c('history show without an id', ['history', 'show'], /missing required argument 'id'/),
  c(
    'history show of an unknown id',
    ['history', 'show', 'deadbeefdead'],
    /^no (record deadbeefdead in .*; list them with|audit log at .*: give the worker's --audit-dir)/,
  ),
  c(
    'history show of an unknown #seq',
    ['history', 'show', '#99999999'],
    /^no (record #99999999 in .*; list them with|audit log at .*: give the worker's --audit-dir)/,
  ),
  c('an audit dir that does not exist', ['history', '--audit-dir', '/nonexistent/audit'], /^no audit log at /),
  c('watch without a sink', ['watch'], /^watch needs somewhere to send alerts: --alertmanager, --webhook or --slack$/),
  c('watch too often', ['watch', '--every', '1s', '--alertmanager', 'http://127.0.0.1:9'], /too often: at least 5s$/),
  c('watch --every in words', ['watch', '--every', 'soon', '--alertmanager', 'http://127.0.0.1:9'], /^--every "soon"/),
  c('an Alertmanager that is no URL', ['watch', '--alertmanager', 'not-a-url'], /must be an http\(s\) URL$/),
  c('a Slack URL given in the clear', ['watch', '--slack', 'https://hooks.slack.example/x'], /is a credential/),
  c('a Slack reference of no form', ['watch', '--slack', 'nope'], /^--slack "nope" must be env:NAME or file:/),
  c(
    'a webhook of another scheme',
    ['watch', '--webhook', 'ftp://x'],
    /^--webhook "ftp:\/\/x" must be an http\(s\) URL/,
  ),
  c(
    'an auto-fix runbook not offered',
    ['watch', '--alertmanager', 'http://127.0.0.1:9', '--auto-fix', 'reapply-config'],
    /^--auto-fix "reapply-config": choose cleanup-orphans or restart-speakers$/,
  ),
  c('watch with an argument', ['watch', 'frob'], /^too many arguments for 'watch'/),
  c('approve without an id', ['approve'], /missing required argument 'workflowId'/),
  c('reject without an id', ['reject'], /missing required argument 'workflowId'/),
  c('a metrics port too high', ['worker', '--metrics-port', '99999'], /^--metrics-port "99999" must be a port number/),
  c('a metrics port in words', ['worker', '--metrics-port', 'abc'], /^--metrics-port "abc" must be a port number/),
  c('guard of an unknown verb', ['guard', 'frob'], /^unknown command 'frob'/),
  c('guard install with an unknown flag', ['guard', 'install', '--bogus'], /^unknown option '--bogus'/),
  c('an unknown command', ['frobnicate'], /^unknown command 'frobnicate' \(usage: metallb-runbooks --help\)$/),
  c('an unknown top-level flag', ['--bogus'], /^unknown option '--bogus' \(usage: metallb-runbooks --help\)$/),
  c('demo with an unknown flag', ['demo', '--bogus'], usage('demo')),
];

/** Files: missing, empty, unreadable YAML and JSON, kinds that are not MetalLB config, names and fields. */
export function fileCases(targets: Pick<CaseTargets, 'emptyDir'>): BadInput[] {
  const apply = (name: string, fixture: string, says: RegExp) => c(name, ['apply', '-f', file(fixture)], says);
  return [
    c(
      'apply of a file that does not exist',
      ['apply', '-f', file('missing.yaml')],
      /^cannot read -f .*missing\.yaml: no such file or directory; give a readable file/,
    ),
    c(
      'plan of a file that does not exist',
      ['plan', '-f', file('missing.yaml')],
      /^cannot read -f .*: no such file or directory/,
    ),
    c('apply of an empty directory', ['apply', '-f', targets.emptyDir], /^no MetalLB config object in /),
    apply('apply of a directory with no YAML', 'only-readme', /^no MetalLB config object in .*only-readme$/),
    apply('apply of an empty file', 'empty.yaml', /^no MetalLB config object in .*empty\.yaml$/),
    apply('apply of an empty List', 'dump-empty.yaml', /^no MetalLB config object in /),
    apply('malformed YAML', 'malformed.yaml', loadProblem(/malformed\.yaml:6:3: /)),
    apply('malformed JSON', 'invalid.json', loadProblem(/invalid\.json:2:1: Flow map must end with a \}/)),
    apply('YAML indented with tabs', 'tabs.yaml', loadProblem(/Tabs are not allowed as indentation/)),
    apply('a document that is a string', 'scalar.yaml', loadProblem(/is not an object \(a mapping with apiVersion/)),
    apply('a binary file', 'binary.yaml', loadProblem(/binary\.yaml/)),
    apply('a ConfigMap', 'not-metallb.yaml', loadProblem(/ConfigMap "settings" \(v1\) is not a MetalLB config object/)),
    apply(
      'a Secret (named, never echoed)',
      'secret.yaml',
      loadProblem(/Secret "bgp-auth" \(v1\) is not a MetalLB config/),
    ),
    apply(
      'a MetalLB kind that does not exist',
      'unknown-kind.yaml',
      loadProblem(/no matches for kind "AddressWidget"/),
    ),
    apply('a document without kind', 'no-kind.yaml', loadProblem(/kind: kind not set/)),
    apply('a pool without a name', 'no-name.yaml', loadProblem(/metadata\.name: Required value/)),
    apply('the same pool twice', 'duplicate.yaml', loadProblem(/IPAddressPool "twice" is also defined in .*keep one/)),
    apply(
      'an inline BGP password',
      'inline-password.yaml',
      /^BGPPeer\/inline-password carries an inline password: use spec\.passwordSecret/,
    ),
    c(
      'a dump that does not exist',
      ['diagnose', '--from-file', file('missing.yaml')],
      /^cannot read dump .*missing\.yaml: ENOENT$/,
    ),
    c(
      'a malformed dump',
      ['diagnose', '--from-file', file('dump-malformed.yaml')],
      /dump-malformed\.yaml: invalid YAML: /,
    ),
    c(
      'a controller log that does not exist',
      ['diagnose', '--from-file', file('dump-empty.yaml'), '--controller-log', file('missing.log')],
      /^cannot read log .*missing\.log: ENOENT$/,
    ),
    c(
      'a speaker log that does not exist',
      ['diagnose', '--from-file', file('dump-empty.yaml'), '--speaker-log', file('missing.log')],
      /^cannot read log .*missing\.log: ENOENT$/,
    ),
    c('plan against a missing dump', ['plan', '-f', valid, '--from-file', file('missing.yaml')], /^cannot read dump /),
    c(
      'plan against a malformed dump',
      ['plan', '-f', valid, '--from-file', file('dump-malformed.yaml')],
      /invalid YAML/,
    ),
    c(
      'explain a pool a dump lacks',
      ['explain', 'pool/nope', '--from-file', file('dump-empty.yaml')],
      /^IPAddressPool nope not found; check the name/,
    ),
    c(
      'explain a Service a dump lacks',
      ['explain', 'svc/shop/web', '--from-file', file('dump-empty.yaml')],
      /not found/,
    ),
  ];
}

/** The cluster: credentials that do not work, a server that is not there, forbidden reads, names that do not exist. */
export function clusterCases(targets: CaseTargets): BadInput[] {
  const restricted = ['--context', 'metallb-lab-restricted'];
  const kubeconfigCases = (label: string, kubeconfig: string, says: RegExp): BadInput[] => [
    c(`diagnose: ${label}`, ['diagnose', '--kubeconfig', kubeconfig], says),
    c(`plan: ${label}`, ['plan', '-f', valid, '--kubeconfig', kubeconfig], says),
    c(`apply --dry-run: ${label}`, ['apply', '-f', valid, '--dry-run', '--kubeconfig', kubeconfig], says),
    c(`explain: ${label}`, ['explain', 'pool/x', '--kubeconfig', kubeconfig], says),
    c(`fix --dry-run: ${label}`, ['fix', 'restart-controller', '--dry-run', '--kubeconfig', kubeconfig], says),
    c(`guard status: ${label}`, ['guard', 'status', '--kubeconfig', kubeconfig], says),
  ];
  return [
    c(
      'a --kubeconfig that does not exist',
      ['diagnose', '--kubeconfig', '/nonexistent/config'],
      /^kubeconfig \/nonexistent\/config does not exist: pass an existing file with --kubeconfig$/,
    ),
    c('a $KUBECONFIG that does not exist', ['plan', '-f', valid], /does not exist: .*\(or fix \$KUBECONFIG\)$/, {
      KUBECONFIG: '/nonexistent/config',
    }),
    c(
      'a worker with a kubeconfig that does not exist',
      ['worker', '--kubeconfig', '/nonexistent/config'],
      /does not exist/,
    ),
    c(
      'a fix with a kubeconfig that does not exist',
      ['fix', 'restart-controller', '--kubeconfig', '/nonexistent/config'],
      /does not exist/,
    ),
    c(
      'an apply with a kubeconfig that does not exist',
      ['apply', '-f', valid, '--kubeconfig', '/nonexistent/config'],
      /does not exist/,
    ),
    c(
      'an unknown context',
      ['diagnose', '--context', 'no-such-context'],
      /^context "no-such-context" is not in the kubeconfig .*; pass one of them with --context$/,
    ),
    c(
      'a fix with an unknown context',
      ['fix', 'restart-controller', '--context', 'no-such-context'],
      /^context "no-such-context"/,
    ),
    c('a worker with an unknown context', ['worker', '--context', 'no-such-context'], /^context "no-such-context"/),
    c(
      'a watch with an unknown context',
      ['watch', '--context', 'nope', '--alertmanager', 'http://127.0.0.1:9'],
      /^context "nope"/,
    ),
    ...kubeconfigCases('an API server that is not there', targets.unreachableKubeconfig, /ECONNREFUSED/),
    ...kubeconfigCases('a token the API server does not know', targets.unknownTokenKubeconfig, /Unauthorized|401/),
    ...kubeconfigCases('https to a plain-HTTP port', targets.plainHttpKubeconfig, /SSL|TLS|EPROTO|wrong version/i),
    c('diagnose forbidden by RBAC', ['diagnose', ...restricted], /forbidden.*RBAC/i),
    c('plan forbidden by RBAC', ['plan', '-f', valid, ...restricted], /forbidden/i),
    c('apply --dry-run forbidden by RBAC', ['apply', '-f', valid, '--dry-run', ...restricted], /forbidden/i),
    c('explain forbidden by RBAC', ['explain', 'pool/x', ...restricted], /forbidden/i),
    c('fix --dry-run forbidden by RBAC', ['fix', 'restart-speakers', '--dry-run', ...restricted], /forbidden/i),
    c('guard status forbidden by RBAC', ['guard', 'status', ...restricted], /forbidden/i),
    c('guard install forbidden by RBAC', ['guard', 'install', ...restricted], /forbidden/i),
    c(
      'diagnose of a MetalLB namespace that does not exist',
      ['diagnose', '--metallb-namespace', 'no-metallb-here'],
      /^the MetalLB namespace no-metallb-here does not exist on this cluster: pass the namespace MetalLB runs in/,
    ),
    c(
      'plan in a MetalLB namespace that does not exist',
      ['plan', '-f', valid, '--metallb-namespace', 'no-metallb-here'],
      /^the MetalLB namespace no-metallb-here does not exist on this cluster: pass the namespace MetalLB runs in/,
    ),
    c(
      'apply --dry-run in a namespace that does not exist',
      ['apply', '-f', valid, '--dry-run', '--metallb-namespace', 'no-metallb-here'],
      /^the MetalLB namespace no-metallb-here does not exist on this cluster: pass the namespace MetalLB runs in/,
    ),
    c(
      'explain in a namespace that does not exist',
      ['explain', 'pool/x', '--metallb-namespace', 'no-metallb-here'],
      /^the MetalLB namespace no-metallb-here does not exist on this cluster: pass the namespace MetalLB runs in/,
    ),
    c(
      'explain of a pool that does not exist',
      ['explain', 'pool/no-such-pool'],
      /^IPAddressPool no-such-pool not found/,
    ),
    c('explain of a Service that does not exist', ['explain', 'svc/default/no-such-service'], /not found/),
  ];
}

/** Temporal: not there, a namespace it does not have, no worker for the cluster, runs that do not exist. */
export function temporalCases(targets: CaseTargets): BadInput[] {
  const down = { TEMPORAL_ADDRESS: targets.closedTemporal };
  const unknownNamespace = { TEMPORAL_NAMESPACE: 'no-such-namespace' };
  const unreachable = new RegExp(
    `^cannot reach Temporal at ${targets.closedTemporal} \\(.+\\): start it or pass --temporal-address`,
  );
  const missingNamespace =
    /^Temporal namespace "no-such-namespace" does not exist on .*: pass the namespace the workers use with --temporal/;
  const unserved = { KUBECONFIG: targets.unservedKubeconfigEnv };
  const context = ['--context', targets.unservedContext];
  const noWorker = new RegExp(
    `^refused: no worker polls task queue metallb-runbooks\\.${targets.unservedContext}, so nothing would run ` +
      `this fix; start one: metallb-runbooks worker --context ${targets.unservedContext}`,
  );
  const sink = ['--alertmanager', 'http://127.0.0.1:9'];
  return [
    c('fix with Temporal down', ['fix', 'restart-controller'], unreachable, down),
    c('apply with Temporal down', ['apply', '-f', valid], unreachable, down),
    c('watch with Temporal down', ['watch', ...sink], unreachable, down),
    c('watch list with Temporal down', ['watch', 'list'], unreachable, down),
    c('watch delete with Temporal down', ['watch', 'delete'], unreachable, down),
    c('approve with Temporal down', ['approve', 'metallb-change.metallb-lab'], unreachable, down),
    c('reject with Temporal down', ['reject', 'metallb-change.metallb-lab'], unreachable, down),
    c('a worker with Temporal down', ['worker', ...context], unreachable, { ...down, ...unserved }),
    c('fix in a namespace Temporal lacks', ['fix', 'restart-controller', ...context], missingNamespace, {
      ...unknownNamespace,
      ...unserved,
    }),
    c('apply in a namespace Temporal lacks', ['apply', '-f', valid, ...context], missingNamespace, {
      ...unknownNamespace,
      ...unserved,
    }),
    c('watch list in a namespace Temporal lacks', ['watch', 'list'], missingNamespace, unknownNamespace),
    c('watch delete in a namespace Temporal lacks', ['watch', 'delete', ...context], missingNamespace, {
      ...unknownNamespace,
      ...unserved,
    }),
    c(
      'approve in a namespace Temporal lacks',
      ['approve', 'metallb-change.metallb-lab'],
      missingNamespace,
      unknownNamespace,
    ),
    c('a worker in a namespace Temporal lacks', ['worker', ...context], missingNamespace, {
      ...unknownNamespace,
      ...unserved,
    }),
    c('restart-controller with no worker', ['fix', 'restart-controller', ...context], noWorker, unserved),
    c('restart-speakers with no worker', ['fix', 'restart-speakers', ...context], noWorker, unserved),
    c('reapply-config with no worker', ['fix', 'reapply-config', ...context], noWorker, unserved),
    c('cleanup-orphans with no worker', ['fix', 'cleanup-orphans', ...context], noWorker, unserved),
    c('apply with no worker', ['apply', '-f', valid, ...context], /^refused: no worker polls task queue/, unserved),
    c(
      'approve of a run that does not exist',
      ['approve', 'metallb-change.no-such-cluster'],
      /metallb-change\.no-such-cluster/,
    ),
    c(
      'reject of a run that does not exist',
      ['reject', 'metallb-change.no-such-cluster'],
      /metallb-change\.no-such-cluster/,
    ),
    c(
      'a backup of a run that does not exist',
      [
        'fix',
        'reapply-config',
        '--backup-of',
        'metallb-change.no-such-cluster',
        '--backup-file',
        path.join(targets.emptyDir, 'b.yaml'),
      ],
      /metallb-change\.no-such-cluster/,
    ),
    c(
      'watch delete of a cluster not watched',
      ['watch', 'delete', ...context],
      /has no watch .*; create one with/,
      unserved,
    ),
  ];
}

const noController = /^no MetalLB controller Deployment found .*: install MetalLB, or point --context at the cluster/;

/** The second lab with its controller Deployment deleted. */
export const controllerMissingCases: BadInput[] = [
  c('restart-controller --dry-run with no controller', ['fix', 'restart-controller', '--dry-run'], noController),
  c('reapply-config --dry-run with no controller', ['fix', 'reapply-config', '--dry-run'], noController),
];

/** The second lab with every metallb.io CRD deleted too (the controller still missing: fix names that first). */
export const crdsMissingCases: BadInput[] = [
  c(
    'diagnose with no MetalLB CRDs',
    ['diagnose'],
    /^MetalLB is not installed on .*: no metallb\.io CustomResourceDefinitions$/,
  ),
  c(
    'plan with no MetalLB CRDs',
    ['plan', '-f', valid],
    /^MetalLB is not installed on metallb-lab: no metallb\.io CustomResourceDefinitions$/,
  ),
  c(
    'apply --dry-run with no MetalLB CRDs',
    ['apply', '-f', valid, '--dry-run'],
    /^MetalLB is not installed on metallb-lab: no metallb\.io CustomResourceDefinitions$/,
  ),
  c(
    'explain with no MetalLB CRDs',
    ['explain', 'pool/x'],
    /^MetalLB is not installed on metallb-lab: no metallb\.io CustomResourceDefinitions$/,
  ),
  c('fix --dry-run with no MetalLB CRDs', ['fix', 'cleanup-orphans', '--dry-run'], noController),
];
