/**
 * Byte-for-byte forwarding between a TCP port and a Unix socket, one connection for one
 * connection (no framing): how the MetalLB controller, isolated in its own network namespace,
 * reaches the lab's API server and how the host reaches the controller's webhook, metrics and
 * health ports. Both ends of a forward share the file system, not the network.
 */
import { existsSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A listening or dialled end: a TCP port on 127.0.0.1 or a Unix socket path. */
export type Endpoint = { port: number } | { socket: string };

/** One forward: connections accepted on `listen` are piped to a new connection to `target`. */
export interface Forward {
  listen: Endpoint;
  target: Endpoint;
}

const loopback = '127.0.0.1';

/** `host:port` or the socket path, for messages. */
export function describeEndpoint(endpoint: Endpoint): string {
  return 'port' in endpoint ? `${loopback}:${endpoint.port}` : endpoint.socket;
}

function dial(target: Endpoint): Socket {
  // Half-open both ways: a client that finishes sending still gets the whole answer.
  return 'port' in target
    ? createConnection({ host: loopback, port: target.port, allowHalfOpen: true })
    : createConnection({ path: target.socket, allowHalfOpen: true });
}

/**
 * Pipes one accepted connection to a new one to `target`. If the target cannot be reached the
 * accepted connection is reset, so the client sees a failed connection as it would with nothing
 * listening (the API server then reports "failed calling webhook").
 */
function pipeConnection(accepted: Socket, target: Endpoint, acceptedOnTcp: boolean): void {
  const upstream = dial(target);
  // A TCP client sees a reset (like a closed port); a Unix socket has no reset, only a close.
  const refuse = () => (acceptedOnTcp ? accepted.resetAndDestroy() : accepted.destroy());
  const closeBoth = () => {
    accepted.destroy();
    upstream.destroy();
  };
  accepted.on('error', closeBoth);
  upstream.on('error', refuse);
  upstream.on('close', () => accepted.destroy());
  accepted.on('close', () => upstream.destroy());
  accepted.pipe(upstream);
  upstream.pipe(accepted);
}

/** Starts one forward; resolves once it listens. A stale socket file from a killed process is replaced. */
export function startForward(forward: Forward): Promise<Server> {
  const server = createServer({ allowHalfOpen: true }, (accepted) =>
    pipeConnection(accepted, forward.target, 'port' in forward.listen),
  );
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const ready = () => {
      server.off('error', reject);
      resolve(server);
    };
    if ('port' in forward.listen) {
      server.listen(forward.listen.port, loopback, ready);
      return;
    }
    if (existsSync(forward.listen.socket)) rmSync(forward.listen.socket, { force: true });
    server.listen(forward.listen.socket, ready);
  });
}

/** Starts every forward; if one cannot listen, the others are closed again and the error names it. */
export async function startForwards(forwards: readonly Forward[]): Promise<Server[]> {
  const servers: Server[] = [];
  for (const forward of forwards) {
    try {
      servers.push(await startForward(forward));
    } catch (error) {
      for (const server of servers) server.close();
      const why = (error as Error).message;
      throw new Error(`cannot listen on ${describeEndpoint(forward.listen)}: ${why}`, { cause: error });
    }
  }
  return servers;
}
