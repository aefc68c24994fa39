import { describe, expect, it } from 'vitest';
import {
  groupLogLines,
  MAX_GROUP_SUMMARIES,
  messageShape,
  missingConfigurationState,
  isErrorCause,
  parseMetallbLog,
  parseMetallbLogLine,
  parseRfc3339,
  type LogCause,
} from '../../domain/metallb-logs.js';
import { REDACTED, redactLogLine, redactText } from '../../domain/redact.js';

// Realistic lines, shaped like MetalLB v0.13–v0.16 output (go-kit JSON, keys sorted).
const L = {
  poolParse:
    '{"caller":"pool_controller.go:94","controller":"PoolReconciler","error":"CIDR \\"192.0.2.0/28\\" in pool \\"b\\" overlaps with already defined CIDR \\"192.0.2.0/28\\"","level":"error","ts":"2026-11-23T10:00:00Z"}',
  configParse:
    '{"caller":"config_controller.go:139","controller":"ConfigReconciler","error":"CIDR \\"192.0.2.0/28\\" in pool \\"b\\" overlaps with already defined CIDR \\"192.0.2.0/28\\"","level":"error","ts":"2026-11-23T10:00:01Z"}',
  cleared:
    '{"caller":"service.go:128","event":"clearAssignment","error":"[\\"192.0.2.20\\"] is not allowed in config","level":"info","msg":"current IP not allowed by config, clearing","ts":"2026-11-23T10:00:02Z"}',
  rejected:
    '{"caller":"main.go:567","error":"service has no configuration under new config","ip":["192.0.2.5"],"level":"error","msg":"new configuration rejected","op":"setConfig","service":"demo/web","ts":"2026-11-23T10:00:03Z"}',
  legacy:
    '{"caller":"main.go:216","error":"new config not compatible with assigned IPs: service \\"demo/web\\" cannot own \\"[192.0.2.5]\\" under new config","level":"error","msg":"applying new configuration failed","op":"setConfig","ts":"2026-11-23T10:00:04Z"}',
  reloadFailed:
    '{"caller":"config_controller.go:157","controller":"ConfigReconciler","event":"reload failed, retry","level":"error","metallb CRs and Secrets":{"pools":[]},"ts":"2026-11-23T10:00:05Z"}',
  allocFail:
    '{"caller":"service.go:199","error":"no available IPs in pool \\"public\\"","level":"error","msg":"IP allocation failed","op":"allocateIPs","ts":"2026-11-23T10:00:06Z"}',
  allocated:
    '{"caller":"service.go:205","event":"ipAllocated","ip":["198.51.100.10","2001:db8::10"],"level":"info","msg":"IP address assigned by controller","ts":"2026-11-23T10:00:07Z"}',
  noRetry:
    '{"caller":"service_controller.go:104","controller":"ServiceReconciler","endpoints":"{}","event":"failed to handle service, no retry","level":"error","service":"demo/web","ts":"2026-11-23T10:00:08Z"}',
  handleFailed:
    '{"controller":"ServiceReconciler","error":"unknown pool","event":"failed to handle service","level":"error"}',
  notAllowed:
    '{"caller":"main.go:432","error":"assigned IP not allowed by config","ips":["203.0.113.7"],"level":"error","msg":"IP allocated by controller not allowed by config","op":"setBalancer","service":"demo/web","ts":"2026-11-23T10:00:09Z"}',
  zapReconciler:
    '{"level":"error","ts":1700000000.123,"msg":"Reconciler error","controller":"ipaddresspool","controllerGroup":"metallb.io","controllerKind":"IPAddressPool","IPAddressPool":{"name":"public","namespace":"metallb-system"},"namespace":"metallb-system","name":"public","reconcileID":"0b6f1a2c","error":"Operation cannot be fulfilled on ipaddresspools.metallb.io \\"public\\": the object has been modified; please apply your changes to the latest version and try again","stacktrace":"sigs.k8s.io/controller-runtime/pkg/internal/controller.(*Controller).reconcileHandler\\n\\t/go/pkg/mod/x.go:329"}',
  zapIso:
    '{"level":"error","ts":"2026-11-23T11:00:00.250+0100","msg":"Reconciler error","controller":"bgppeer","error":"peer address 203.0.113.1 unreachable"}',
  deprecated:
    '{"annotation":"metallb.universe.tf/address-pool","caller":"service.go:74","event":"deprecatedAnnotation","level":"warn","msg":"Service uses deprecated annotation, please use metallb.io/address-pool","ts":"2026-11-23T10:00:10Z"}',
  reloaded:
    '{"caller":"config_controller.go:164","controller":"ConfigReconciler","event":"config reloaded","level":"info","ts":"2026-11-23T10:00:11Z"}',
  poolsEmpty:
    '{"caller":"service.go:85","event":"clearAssignment","level":"debug","msg":"pools are empty","reason":"noConfig","ts":"2026-11-23T10:00:12Z"}',
  noConfig:
    '{"caller":"main.go:190","event":"no MetalLB configuration in cluster","level":"info","op":"setConfig","ts":"2026-11-23T10:00:13Z"}',
  otherError:
    '{"caller":"node_controller.go:66","controller":"NodeReconciler","error":"nodes \\"worker-1\\" not found","event":"failed to get node","level":"error","ts":"2026-11-23T10:00:14Z"}',
  startReconcile:
    '{"caller":"service_controller.go:60","controller":"ServiceReconciler","level":"info","start reconcile":"demo/web","ts":"2026-11-23T10:00:15Z"}',
  klogWarn: 'W1211 10:15:42.123456       1 warnings.go:70] metallb.io v1beta1 AddressPool is deprecated',
  klogErr: 'E1211 10:15:43.000001       1 reflector.go:140] failed to list *v1beta1.IPAddressPool: forbidden',
};

describe('parseMetallbLogLine: classification', () => {
  const cases: [keyof typeof L, LogCause, 'controller' | 'speaker' | 'unknown'][] = [
    ['poolParse', 'config-parse-error', 'controller'],
    ['configParse', 'config-parse-error', 'speaker'],
    ['cleared', 'ip-cleared', 'controller'],
    ['rejected', 'config-rejected-by-speaker', 'speaker'],
    ['legacy', 'legacy-config-incompatible', 'unknown'],
    ['reloadFailed', 'legacy-config-incompatible', 'speaker'],
    ['allocFail', 'allocation-failure', 'controller'],
    ['allocated', 'ip-allocated', 'controller'],
    ['noRetry', 'service-handling-failed', 'unknown'],
    ['handleFailed', 'service-handling-failed', 'unknown'],
    ['notAllowed', 'ip-not-allowed-by-speaker', 'speaker'],
    ['zapReconciler', 'reconciler-error', 'unknown'],
    ['zapIso', 'reconciler-error', 'unknown'],
    ['deprecated', 'deprecated-annotation', 'unknown'],
    ['reloaded', 'config-reloaded', 'speaker'],
    ['poolsEmpty', 'no-config', 'unknown'],
    ['noConfig', 'no-config', 'unknown'],
    ['otherError', 'other-error', 'speaker'],
    ['startReconcile', 'other', 'unknown'],
    ['klogWarn', 'other', 'unknown'],
    ['klogErr', 'other-error', 'unknown'],
  ];
  it.each(cases)('%s → %s (%s)', (name, cause, component) => {
    const line = parseMetallbLogLine(L[name]);
    expect(line.cause).toBe(cause);
    expect(line.component).toBe(component);
  });

  it('uses defaultComponent only when the line does not say', () => {
    expect(parseMetallbLogLine(L.noRetry, 'speaker').component).toBe('speaker');
    expect(parseMetallbLogLine(L.poolParse, 'speaker').component).toBe('controller');
    expect(parseMetallbLogLine(L.rejected, 'controller').component).toBe('speaker');
  });

  it('fills level, time, fields and summary for a go-kit line', () => {
    const line = parseMetallbLogLine(L.poolParse);
    expect(line).toMatchObject({
      kind: 'json',
      level: 'error',
      time: '2026-11-23T10:00:00.000Z',
      transient: false,
      summary: 'CIDR "192.0.2.0/28" in pool "b" overlaps with already defined CIDR "192.0.2.0/28"',
    });
    expect(line.fields['caller']).toBe('pool_controller.go:94');
    expect(line.raw).toBe(L.poolParse);
  });

  it('marks speaker rejections as transient errors', () => {
    const line = parseMetallbLogLine(L.rejected);
    expect(line.transient).toBe(true);
    expect(line.summary).toBe('service has no configuration under new config');
    expect(line.fields['ip']).toEqual(['192.0.2.5']);
    expect(isErrorCause(line.cause)).toBe(true);
  });

  it('prefers error, then msg, then event for the summary', () => {
    expect(parseMetallbLogLine(L.cleared).summary).toBe('["192.0.2.20"] is not allowed in config');
    expect(parseMetallbLogLine(L.allocated).summary).toBe('IP address assigned by controller');
    expect(parseMetallbLogLine(L.reloaded).summary).toBe('config reloaded');
    expect(parseMetallbLogLine(L.startReconcile).summary).toBe('start reconcile=demo/web');
  });

  it('summarises non-string errors on one line', () => {
    const line = parseMetallbLogLine('{"error":["a","b"],"level":"error","msg":"x"}');
    expect(line.summary).toBe('["a","b"]');
    expect(parseMetallbLogLine('{"level":"error","error":"line one\\nline two"}').summary).toBe('line one line two');
  });

  it('recognises a parse error without the lost "failed to parse" text', () => {
    // MetalLB logs "error","failed to parse the configuration","error",err: only err survives.
    const line = parseMetallbLogLine(L.configParse);
    expect(line.raw).not.toContain('failed to parse');
    expect(line.cause).toBe('config-parse-error');
  });

  it('does not treat a reconciler line with an event as a parse error', () => {
    expect(parseMetallbLogLine(L.reloadFailed).cause).toBe('legacy-config-incompatible');
    expect(parseMetallbLogLine(L.otherError).cause).toBe('other-error');
    const info = L.poolParse.replace('"level":"error"', '"level":"info"');
    expect(parseMetallbLogLine(info).cause).toBe('other');
  });
});

describe('parseMetallbLogLine: shapes and robustness', () => {
  it('keeps the last value of a duplicated key, as go-kit does', () => {
    const raw =
      '{"caller":"pool_controller.go:94","controller":"PoolReconciler","error":"failed to parse the configuration","error":"invalid CIDR \\"198.51.100.0/33\\" in pool \\"x\\"","level":"error","ts":"2026-11-23T10:00:00Z"}';
    const line = parseMetallbLogLine(raw);
    expect(line.fields['error']).toBe('invalid CIDR "198.51.100.0/33" in pool "x"');
    expect(line.summary).toBe('invalid CIDR "198.51.100.0/33" in pool "x"');
    expect(line.cause).toBe('config-parse-error');
  });

  it('converts a zap epoch-float ts to ISO and folds the stacktrace out of the summary', () => {
    const line = parseMetallbLogLine(L.zapReconciler);
    expect(line.time).toBe('2023-11-14T22:13:20.123Z');
    expect(line.summary).toMatch(/^Operation cannot be fulfilled/);
    expect(line.summary).not.toContain('\n');
    // Optimistic-concurrency conflicts resolve on retry.
    expect(line.transient).toBe(true);
  });

  it('parses a zap ISO8601 ts with a colon-less offset', () => {
    const line = parseMetallbLogLine(L.zapIso);
    expect(line.time).toBe('2026-11-23T10:00:00.250Z');
    expect(line.transient).toBe(false);
  });

  it('parses RFC3339Nano and offsets', () => {
    expect(parseRfc3339('2020-09-27T15:54:55.90341073Z')).toBe('2020-09-27T15:54:55.903Z');
    expect(parseRfc3339('2026-11-23T12:00:00+02:00')).toBe('2026-11-23T10:00:00.000Z');
    expect(parseRfc3339('2026-11-23T05:30:00-04:30')).toBe('2026-11-23T10:00:00.000Z');
    expect(parseRfc3339('yesterday')).toBeNull();
  });

  it('the UTC fast path gives what Date gives, rolling over out-of-range fields as Date does', () => {
    for (const [text, expected] of [
      ['2026-12-01T19:55:51.123456789Z', '2026-12-01T19:55:51.123Z'],
      ['2026-12-01t00:00:00z', '2026-12-01T00:00:00.000Z'],
      ['2026-12-28 23:59:59.9Z', '2026-12-28T23:59:59.900Z'],
      ['2026-02-30T10:00:00Z', '2026-03-02T10:00:00.000Z'],
      ['2026-12-31T23:59:59.999Z', '2026-12-31T23:59:59.999Z'],
    ] as const) {
      expect(parseRfc3339(text)).toBe(expected);
    }
  });

  it('uses a CRI/--timestamps prefix when the JSON has no ts', () => {
    const noTs = '{"caller":"main.go:1","event":"config reloaded","level":"info"}';
    const line = parseMetallbLogLine(`2026-11-23T10:00:00.123456789Z ${noTs}`);
    expect(line.kind).toBe('json');
    expect(line.time).toBe('2026-11-23T10:00:00.123Z');
    expect(line.cause).toBe('config-reloaded');
  });

  it('prefers the JSON ts over the prefix', () => {
    const line = parseMetallbLogLine(`2026-11-23T10:00:30.000000001Z ${L.poolParse}`);
    expect(line.time).toBe('2026-11-23T10:00:00.000Z');
    expect(line.cause).toBe('config-parse-error');
  });

  it('accepts a CRI file-style prefix with stream and tag', () => {
    const line = parseMetallbLogLine(`2026-11-23T10:00:00.5Z stderr F ${L.allocFail}`);
    expect(line.cause).toBe('allocation-failure');
  });

  it('parses klog lines (no year, so no time unless prefixed)', () => {
    const line = parseMetallbLogLine(L.klogWarn, 'controller');
    expect(line).toMatchObject({
      kind: 'klog',
      level: 'warn',
      time: null,
      component: 'controller',
      cause: 'other',
      summary: 'metallb.io v1beta1 AddressPool is deprecated',
    });
    expect(line.fields['caller']).toBe('warnings.go:70');
    const prefixed = parseMetallbLogLine(`2026-12-11T10:15:43.000001Z ${L.klogErr}`);
    expect(prefixed).toMatchObject({
      kind: 'klog',
      level: 'error',
      cause: 'other-error',
      time: '2026-12-11T10:15:43.000Z',
    });
  });

  it.each([
    ['plain text', 'starting speaker, version v0.14.9'],
    ['truncated JSON', '{"caller":"main.go:1","level":"err'],
    ['JSON array', '["192.0.2.1"]'],
    ['JSON scalar', '42'],
    ['JSON null', 'null'],
    ['a bare timestamp-like word', '2026-11-23T10:00:00Z'],
    ['control characters', '\u0000\u001b[31m{oops'],
  ])('returns unparsed for %s without throwing', (_name, raw) => {
    const line = parseMetallbLogLine(raw);
    expect(line.kind).toBe('unparsed');
    expect(line.cause).toBe('other');
    expect(line.level).toBeNull();
    expect(line.raw).toBe(raw);
  });

  it('handles odd JSON values without throwing', () => {
    const line = parseMetallbLogLine('{"level":42,"ts":"not a time","msg":{"nested":true},"__proto__":{"x":1}}');
    expect(line).toMatchObject({ kind: 'json', level: null, time: null, cause: 'other' });
    expect(line.summary).toBe('{"nested":true}');
    expect(Object.getPrototypeOf(line.fields)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
    expect(parseMetallbLogLine('{"ts":1e400}').time).toBeNull();
    expect(parseMetallbLogLine('{"ts":-1e300}').time).toBeNull();
  });

  it('keeps a CRI prefix with an unparseable body as unparsed but timed', () => {
    const line = parseMetallbLogLine('2026-11-23T10:00:00Z panic: runtime error');
    expect(line).toMatchObject({ kind: 'unparsed', time: '2026-11-23T10:00:00.000Z', summary: 'panic: runtime error' });
  });
});

describe('parseMetallbLog', () => {
  it('splits lines, skips blanks and CRLF endings', () => {
    const text = `${L.poolParse}\r\n\n   \n${L.klogWarn}\ngarbage\n`;
    const lines = parseMetallbLog(text, 'speaker');
    expect(lines.map((l) => l.kind)).toEqual(['json', 'klog', 'unparsed']);
    expect(lines[0]?.component).toBe('controller');
    expect(lines[2]?.component).toBe('speaker');
  });

  it('returns [] for empty input', () => {
    expect(parseMetallbLog('')).toEqual([]);
  });
});

describe('isErrorCause', () => {
  it('separates errors from informational causes', () => {
    const errors: LogCause[] = [
      'config-parse-error',
      'legacy-config-incompatible',
      'allocation-failure',
      'service-handling-failed',
      'ip-not-allowed-by-speaker',
      'reconciler-error',
      'other-error',
      'config-rejected-by-speaker',
    ];
    const info: LogCause[] = [
      'ip-cleared',
      'ip-allocated',
      'deprecated-annotation',
      'config-reloaded',
      'no-config',
      'other',
    ];
    for (const c of errors) expect(isErrorCause(c), c).toBe(true);
    for (const c of info) expect(isErrorCause(c), c).toBe(false);
  });
});

describe('groupLogLines', () => {
  const at = (line: string, ts: string): string => line.replace(/"ts":"[^"]+"/, `"ts":"${ts}"`);
  const text = [
    at(L.poolParse, '2026-11-23T10:00:05Z'),
    at(L.rejected, '2026-11-23T10:00:01Z'),
    at(L.poolParse, '2026-11-23T10:00:01Z'),
    at(L.rejected, '2026-11-23T10:00:02Z'),
    at(L.poolParse, '2026-11-23T10:00:09Z'),
    at(L.allocFail, '2026-11-23T10:00:00Z'),
    at(L.configParse, '2026-11-23T10:00:03Z'),
    L.klogWarn,
  ].join('\n');
  const lines = parseMetallbLog(text);

  it('counts by cause + text and merges components, sorted by count then first time', () => {
    const groups = groupLogLines(lines, {});
    expect(groups.map((g) => [g.cause, g.count])).toEqual([
      ['config-parse-error', 4],
      ['config-rejected-by-speaker', 2],
      ['allocation-failure', 1],
      ['other', 1],
    ]);
    const parse = groups[0];
    expect(parse).toMatchObject({
      component: 'controller,speaker',
      key: 'config-parse-error: CIDR "192.0.2.0/28" in pool "b" overlaps with already defined CIDR "192.0.2.0/28"',
      first: '2026-11-23T10:00:01.000Z',
      last: '2026-11-23T10:00:09.000Z',
      transient: false,
    });
    expect(parse?.example).toContain('pool_controller.go:94');
    expect(groups[1]).toMatchObject({ component: 'speaker', transient: true });
    expect(groups[3]).toMatchObject({ cause: 'other', first: null, last: null, component: 'unknown' });
  });

  it('keeps different error texts apart (names and IPs are not normalised away)', () => {
    const a = parseMetallbLogLine(L.allocFail);
    const b = parseMetallbLogLine(L.allocFail.replace('pool \\"public\\"', 'pool \\"private\\"'));
    expect(groupLogLines([a, b, a], {}).map((g) => g.count)).toEqual([2, 1]);
  });

  it('groups an error of no known pattern by its shape: one failure hitting many Services is one group', () => {
    const failedUpdate = (service: string, uid: string) =>
      parseMetallbLogLine(
        JSON.stringify({
          level: 'error',
          msg: 'failed to update service',
          error:
            `Operation cannot be fulfilled on services "${service}": StorageError: invalid object, Code: 4, ` +
            `Key: /registry/services/specs/demo/${service}, Precondition failed: UID in precondition: ${uid}`,
          ts: '2026-11-23T10:00:00Z',
        }),
      );
    const lines = Array.from({ length: MAX_GROUP_SUMMARIES + 5 }, (_, index) =>
      failedUpdate(`svc-${index}`, `0000000${index}-aaaa-bbbb-cccc-dddddddddddd`),
    );
    const groups = groupLogLines([...lines, lines[0]!], {});
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ cause: 'other-error', count: MAX_GROUP_SUMMARIES + 6 });
    expect(groups[0]!.variants).toBe(MAX_GROUP_SUMMARIES + 5);
    expect(groups[0]!.summary).toContain('services "svc-0"');
    expect(groups[0]!.summaries).toHaveLength(MAX_GROUP_SUMMARIES);
    expect(groups[0]!.key).toBe(
      'other-error: Operation cannot be fulfilled on services "…": StorageError: invalid object, Code: # Key: # ' +
        'Precondition failed: UID in precondition: #',
    );
  });

  it('masks quoted names and words holding digits, and nothing else', () => {
    expect(messageShape('pool \\"a-1\\" has 3 IPs (v0.14.9) left')).toBe('pool "…" has # IPs # left');
    expect(messageShape('no available IPs')).toBe('no available IPs');
  });

  it('breaks count ties by first time', () => {
    const late = parseMetallbLogLine(at(L.allocFail, '2026-11-23T11:00:00Z'));
    const early = parseMetallbLogLine(at(L.cleared, '2026-11-23T09:00:00Z'));
    expect(groupLogLines([late, early], {}).map((g) => g.cause)).toEqual(['ip-cleared', 'allocation-failure']);
  });

  it('drops lines before since, keeping lines without a time', () => {
    const groups = groupLogLines(lines, { since: '2026-11-23T10:00:02Z' });
    expect(groups.map((g) => [g.cause, g.count, g.first])).toEqual([
      ['config-parse-error', 3, '2026-11-23T10:00:03.000Z'],
      ['config-rejected-by-speaker', 1, '2026-11-23T10:00:02.000Z'],
      ['other', 1, null],
    ]);
  });

  it('filters by includeCauses', () => {
    const groups = groupLogLines(lines, { includeCauses: ['allocation-failure', 'config-rejected-by-speaker'] });
    expect(groups.map((g) => g.cause)).toEqual(['config-rejected-by-speaker', 'allocation-failure']);
  });

  it('is transient only if every line is', () => {
    const t = parseMetallbLogLine(L.zapReconciler);
    const notT = { ...t, transient: false };
    expect(groupLogLines([t, t], {})[0]?.transient).toBe(true);
    expect(groupLogLines([t, notT], {})[0]?.transient).toBe(false);
  });

  it('returns [] for no lines', () => {
    expect(groupLogLines([], { since: '2026-11-23T10:00:00Z' })).toEqual([]);
  });
});

describe('lines seen from the real v0.16.1 controller in the lab', () => {
  it('does not take the start-up "failed to report condition" line for a rejected configuration', () => {
    const line =
      '{"caller":"pool_controller.go:59","controller":"PoolReconciler","error":"patch metallb-system/controller: configurationstates.metallb.io \\"controller\\" not found","level":"error","message":"failed to report condition","ts":"2026-11-23T22:42:06Z"}';
    const parsed = parseMetallbLogLine(line);
    expect(parsed.cause).toBe('configuration-state-race');
    expect(missingConfigurationState(parsed)).toBe('controller');
    expect(parsed.component).toBe('controller');
  });
});

describe('credentials in log lines are redacted before anything keeps them', () => {
  const password = 'hunter2-bgp-secret';
  const encoded = Buffer.from(password).toString('base64');
  // v0.13's "reload failed, retry" carries MetalLB's dump of every CR and Secret it read, as a JSON string.
  const dump = JSON.stringify({
    bgppeers: [{ kind: 'BGPPeer', metadata: { name: 'p1' }, spec: { peerAddress: '192.0.2.1', password } }],
    passwordSecrets: { 'bgp-auth': { kind: 'Secret', metadata: { name: 'bgp-auth' }, data: { password: encoded } } },
  });
  const reloadFailed = JSON.stringify({
    caller: 'pool_controller.go:103',
    controller: 'PoolReconciler',
    event: 'reload failed, retry',
    level: 'error',
    'metallb CRs and Secrets': dump,
    ts: '2026-11-23T22:48:05Z',
  });
  const peerError = JSON.stringify({
    level: 'error',
    msg: 'Reconciler error',
    error: `peer p1: {"password":"${password}","peerAddress":"192.0.2.1"}`,
    ts: '2026-11-23T22:48:05Z',
  });

  it('drops the dump of CRs and Secrets, keeping the classification', () => {
    const line = parseMetallbLogLine(`2026-11-23T22:48:05.1Z ${reloadFailed}`, 'controller');
    expect(line.raw).not.toContain(password);
    expect(line.raw).not.toContain(encoded);
    expect(JSON.stringify(line.fields)).not.toContain(password);
    expect(line.fields['metallb CRs and Secrets']).toBe(REDACTED);
    expect(line.raw.startsWith('2026-11-23T22:48:05.1Z {')).toBe(true);
    expect(line.cause).toBe('legacy-config-incompatible');
  });

  it('redacts a password inside an error text, and in lines that are not JSON', () => {
    const line = parseMetallbLogLine(peerError);
    expect(line.raw).not.toContain(password);
    expect(line.summary).not.toContain(password);
    expect(line.summary).toContain('peerAddress');
    expect(redactLogLine(`E1123 10:00:00.000000 1 main.go:1] bad peer password=${password} asn=1`)).toBe(
      `E1123 10:00:00.000000 1 main.go:1] bad peer password=${REDACTED} asn=1`,
    );
    expect(redactText(`peers:\n- password: ${password}\n  peer-asn: 64512`)).toBe(
      `peers:\n- password: ${REDACTED}\n  peer-asn: 64512`,
    );
  });

  it('leaves lines without a credential exactly as they were', () => {
    const plain = '{"caller":"main.go:1","event":"ipAllocated","ip":["192.0.2.1"],"level":"info","passwordSecret":{}}';
    expect(redactLogLine(plain)).toBe(plain);
    const ordinary = '{"event":"config reloaded","level":"info"}';
    expect(parseMetallbLogLine(ordinary).raw).toBe(ordinary);
  });

  it('keeps them out of the diagnosis report, examples included', () => {
    const groups = groupLogLines(parseMetallbLog([reloadFailed, peerError].join('\n'), 'controller'));
    expect(groups.length).toBe(2);
    expect(JSON.stringify(groups)).not.toContain(password);
    expect(JSON.stringify(groups)).not.toContain(encoded);
  });
});
