import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '@drawbridge/log';
import { verifyInternalToken } from '@drawbridge/protocol';
import { ERR_EDGE_DRAINING, SshEdgeError } from '../errors.js';
import { httpStatusFor } from '../messages.js';
import { type DialDeps, dialTunnel } from './dial.js';

export interface DataPlaneDeps extends DialDeps {
  sharedSecret: () => string;
  logger: Logger;
  draining: () => boolean;
}

const REASONS: Record<number, string> = {
  401: 'Unauthorized',
  404: 'Not Found',
  400: 'Bad Request',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** `CONNECT <id>`, `CONNECT tunnel/<id>:0` or `CONNECT <id>:0` → tunnel id. */
export function tunnelIdFromTarget(target: string | undefined): string | undefined {
  if (!target) return undefined;
  const id = target.replace(/^tunnel\//, '').replace(/:\d+$/, '');
  return /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : undefined;
}

function refuse(socket: Socket, status: number, text: string): void {
  if (socket.destroyed) return;
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(text) + 1}\r\nconnection: close\r\n\r\n${text}\n`,
  );
}

/**
 * The internal listener other processes' proxy-edges reach tunnels through: an HTTP CONNECT per
 * stream, authorized by a short-lived `data-plane` token whose `sub` is the tunnel id.
 */
export function createDataPlaneServer(deps: DataPlaneDeps): Server {
  const server = createServer((_req, res) => {
    res.writeHead(405, { allow: 'CONNECT', 'content-type': 'text/plain' }).end('use CONNECT <tunnel id>\n');
  });
  server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    void handleConnect(deps, req, socket, head);
  });
  server.on('clientError', (_err, socket) => {
    if (!socket.destroyed) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });
  return server;
}

async function handleConnect(
  deps: DataPlaneDeps,
  req: IncomingMessage,
  socket: Socket,
  head: Buffer,
): Promise<void> {
  const id = tunnelIdFromTarget(req.url);
  if (!id) return refuse(socket, 400, 'CONNECT target must be a tunnel id');
  const auth = req.headers.authorization;
  const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
  try {
    const claims = await verifyInternalToken(deps.sharedSecret(), 'data-plane', token, 'data-plane');
    if (claims.sub !== id) throw new Error('token is for another tunnel');
  } catch (err) {
    deps.logger.warn({ tunnel: id, err: (err as Error).message }, 'data-plane CONNECT refused');
    return refuse(socket, 401, 'invalid or missing data-plane token');
  }
  let channel: import('node:stream').Duplex;
  try {
    if (deps.draining()) throw new SshEdgeError(ERR_EDGE_DRAINING, 'ssh-edge is draining');
    const remoteAddress =
      typeof req.headers['x-forwarded-for'] === 'string'
        ? req.headers['x-forwarded-for'].split(',')[0]?.trim()
        : undefined;
    channel = await dialTunnel(deps, id, {
      remoteAddress: remoteAddress ?? socket.remoteAddress,
      remotePort: socket.remotePort,
    });
  } catch (err) {
    const status = httpStatusFor(err);
    return refuse(socket, status, (err as Error).message);
  }
  if (socket.destroyed) {
    channel.destroy();
    return;
  }
  socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  if (head.length > 0) channel.write(head);
  // pipe() honours backpressure both ways: a slow side pauses the other, no body is buffered whole.
  socket.pipe(channel).pipe(socket);
  const kill = () => {
    socket.destroy();
    channel.destroy();
  };
  channel.on('error', kill);
  socket.on('error', kill);
  // end(), not destroy(): bytes already queued towards the proxy-edge must still be delivered.
  channel.on('close', () => socket.end());
  socket.on('close', () => channel.destroy());
}
