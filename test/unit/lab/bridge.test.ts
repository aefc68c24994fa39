import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startForward, startForwards } from '../../../lab/bridge.js';

const servers: Server[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function listenOnFreePort(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listenOnFreePort(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Sends `text`, resolves with everything received until the connection ends, or with the error. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.end(text));
    socket.on('data', (chunk) => (received += String(chunk)));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code}`));
    socket.on('close', () => resolve(received));
  });
}

function tempSocket(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bridge-'));
  dirs.push(dir);
  return path.join(dir, 'b.sock');
}

describe('TCP <-> Unix socket forwards (the controller namespace bridge)', () => {
  it('carries bytes both ways through TCP -> socket -> TCP, as for the webhook and the API server', async () => {
    const echo = createServer((socket) => socket.pipe(socket));
    servers.push(echo);
    const echoPort = await listenOnFreePort(echo);
    const socket = tempSocket();
    const entry = await freePort();
    servers.push(
      ...(await startForwards([
        { listen: { socket }, target: { port: echoPort } },
        { listen: { port: entry }, target: { socket } },
      ])),
    );
    const payload = 'x'.repeat(200_000);
    expect(await exchange(entry, payload)).toBe(payload);
  });

  it('resets the client connection when nothing listens behind the socket (a restarting controller)', async () => {
    const entry = await freePort();
    servers.push(await startForward({ listen: { port: entry }, target: { socket: tempSocket() } }));
    expect(await exchange(entry, 'hello')).toMatch(/^(error ECONNRESET|)$/);
  });

  it('replaces a stale socket file and names the endpoint it cannot listen on', async () => {
    const socket = tempSocket();
    const first = await startForward({ listen: { socket }, target: { port: 1 } });
    first.close();
    servers.push(await startForward({ listen: { socket }, target: { port: 1 } }));
    const taken = await freePort();
    const holder = createServer();
    servers.push(holder);
    await new Promise<void>((resolve) => holder.listen(taken, '127.0.0.1', resolve));
    await expect(startForwards([{ listen: { port: taken }, target: { port: 1 } }])).rejects.toThrow(
      `cannot listen on 127.0.0.1:${taken}`,
    );
  });
});
