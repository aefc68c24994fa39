import path from 'node:path';
import { labStateDir } from './paths.js';

const portOffsets = {
  etcdClient: 0,
  etcdPeer: 1,
  apiServer: 2,
  scheduler: 3,
  kwok: 4,
  temporal: 5,
  temporalUi: 6,
  temporalHttp: 7,
  temporalMetrics: 8,
  metallbMetrics: 9,
  metallbHealth: 10,
  /** The host end of the controller's webhook (9443 inside its own network namespace). */
  metallbWebhook: 11,
  /** The lab's Alertmanager (web and v2 API), the alert sink of `watch`. */
  alertmanager: 12,
} as const;
export type LabPort = keyof typeof portOffsets;

/** Each named lab gets its own block of loopback ports, so the demo lab and the test lab can coexist. */
const defaultPortBases: Record<string, number> = {
  default: 27100,
  test: 27300,
  'test-lifecycle': 27500,
  'test-fix': 27700,
};

/** Other lab names get a stable block above 28000 derived from the name. */
function derivedPortBase(name: string): number {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) % 1000;
  return 28000 + (hash % 50) * 20;
}

export interface LabConfig {
  name: string;
  stateDir: string;
  host: '127.0.0.1';
  ports: Record<LabPort, number>;
  /** Empty means the default pinned MetalLB; otherwise a pinned version such as "v0.13.12". */
  metallbVersion: string | undefined;
  nodeCount: number;
  namespace: 'metallb-system';
  kubeconfig: string;
}

export interface LabOptions {
  name?: string;
  metallbVersion?: string;
  portBase?: number;
}

/** Settings come from options, then METALLB_LAB_* variables, then defaults. */
export function labConfig(options: LabOptions = {}): LabConfig {
  const name = options.name ?? process.env.METALLB_LAB ?? 'default';
  const stateDir = labStateDir(name);
  const base =
    options.portBase ?? numberFromEnv('METALLB_LAB_PORT_BASE') ?? defaultPortBases[name] ?? derivedPortBase(name);
  const ports = Object.fromEntries(Object.entries(portOffsets).map(([key, offset]) => [key, base + offset])) as Record<
    LabPort,
    number
  >;
  return {
    name,
    stateDir,
    host: '127.0.0.1',
    ports,
    metallbVersion: options.metallbVersion ?? (process.env.METALLB_LAB_VERSION || undefined),
    nodeCount: 3,
    namespace: 'metallb-system',
    kubeconfig: path.join(stateDir, 'kubeconfig'),
  };
}

function numberFromEnv(name: string): number | undefined {
  const value = process.env[name];
  if (!value) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1024 || parsed > 65000) {
    throw new Error(`${name} must be a port number between 1024 and 65000, got "${value}"`);
  }
  return parsed;
}

export const temporalAddress = (config: LabConfig) => `${config.host}:${config.ports.temporal}`;
export const temporalUiUrl = (config: LabConfig) => `http://${config.host}:${config.ports.temporalUi}`;
export const apiServerUrl = (config: LabConfig) => `https://${config.host}:${config.ports.apiServer}`;
