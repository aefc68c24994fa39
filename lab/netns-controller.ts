/**
 * Runs inside a fresh unprivileged user + network namespace (`unshare -rn`), started by the
 * supervisor: brings up the namespace's loopback, starts the forwards (the API server port inside
 * to the host's socket; the namespace's webhook, metrics and health ports out to sockets the host
 * dials), then starts the real MetalLB controller as its child. MetalLB's webhook port is fixed at
 * 9443, so each lab's controller gets its own loopback to own it on.
 *
 * The controller writes straight to the stdout and stderr this process got (the pod log). This
 * process itself prints nothing there; it reports on fd 3, one JSON line per event:
 * `{"event":"started","pid":N}`, `{"event":"exited","code":C,"signal":S}`, `{"event":"error","message":M}`.
 * It exits once the controller does, and kills the controller if the supervisor goes away (stdin closes).
 *
 * Usage: `unshare -rn node [--import tsx] lab/netns-controller.ts '<NetnsLaunch JSON>'`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeSync } from 'node:fs';
import { z } from 'zod';
import { startForwards } from './bridge.js';
import { ForwardSchema } from './record.js';

/** What the supervisor hands over: the forwards and the controller's command line and environment. */
export const NetnsLaunchSchema = z.object({
  forwards: z.array(ForwardSchema),
  command: z.string(),
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()),
});
export type NetnsLaunch = z.infer<typeof NetnsLaunchSchema>;

const controlFd = 3;

function report(message: Record<string, unknown>): void {
  try {
    writeSync(controlFd, `${JSON.stringify(message)}\n`);
  } catch {
    // The supervisor is gone; stdin closing handles that.
  }
}

async function main(): Promise<void> {
  const launch = NetnsLaunchSchema.parse(JSON.parse(process.argv[2] ?? ''));
  // A new network namespace starts with its loopback down.
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  await startForwards(launch.forwards);
  const controller = spawn(launch.command, launch.args, {
    env: { ...process.env, ...launch.env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  controller.on('error', (error) => {
    report({ event: 'error', message: error.message });
    process.exit(1);
  });
  report({ event: 'started', pid: controller.pid });
  controller.on('exit', (code, signal) => {
    report({ event: 'exited', code, signal });
    process.exit(code ?? 1);
  });
  const forward = (signal: NodeJS.Signals) => () => controller.kill(signal);
  process.on('SIGTERM', forward('SIGTERM'));
  process.on('SIGINT', forward('SIGINT'));
  // The supervisor holds our stdin: when it closes the supervisor is gone, and so must the controller be.
  for (const event of ['end', 'close']) process.stdin.on(event, () => controller.kill('SIGKILL'));
  process.stdin.resume();
}

// Nothing of ours may reach the pod log: an unexpected error is reported on fd 3 and ends the controller too.
process.on('uncaughtException', (error) => {
  report({ event: 'error', message: error.stack ?? error.message });
  process.exit(1);
});

main().catch((error: unknown) => {
  report({ event: 'error', message: (error as Error).message });
  process.exit(1);
});
