import { request } from 'node:http';
import type { Socket } from 'node:net';
import { signInternalToken, type TunnelRecord } from '@drawbridge/protocol';
import { parseAddress } from '@drawbridge/runtime';
import { ERR_TUNNEL_DIAL_FAILED, ProxyEdgeError } from '../errors.js';

/** How long the holding ssh-edge may take to answer a CONNECT before the tunnel is marked bad. */
export const DEFAULT_DATA_PLANE_CONNECT_TIMEOUT_MS = 5_000;
const TOKEN_TTL_SECONDS = 60;
/** Socket errors that mean nothing listens at the edge's data-plane address: the process is gone. */
const EDGE_GONE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Whether a dial failure means the holding edge itself is gone (not just this one tunnel). */
export function isEdgeUnreachable(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && EDGE_GONE_CODES.has(e.code)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/**
 * Opens a byte stream to the service behind `tunnel` on another process: `CONNECT <tunnel id>:0`
 * to the ssh-edge's data-plane listener, authorized by a data-plane token whose `sub` names the tunnel.
 */
export async function connectThroughDataPlane(
  tunnel: TunnelRecord,
  sharedSecret: string,
  opts: { timeoutMs?: number; remoteAddress?: string } = {},
): Promise<Socket> {
  const token = await signInternalToken(
    sharedSecret,
    'data-plane',
    { aud: 'data-plane', sub: tunnel.id },
    TOKEN_TTL_SECONDS,
  );
  const { host, port } = parseAddress(tunnel.dataPlaneAddress);
  // ssh-edge's data plane names the tunnel in the CONNECT target; the token's `sub` must match it.
  const target = `${tunnel.id}:0`;
  return new Promise<Socket>((resolve, reject) => {
    const fail = (message: string, cause?: unknown) =>
      reject(
        new ProxyEdgeError(ERR_TUNNEL_DIAL_FAILED, message, {
          cause,
          details: { tunnelId: tunnel.id, edgeId: tunnel.edgeId },
        }),
      );
    const req = request({
      host: host === '0.0.0.0' ? '127.0.0.1' : host,
      port,
      method: 'CONNECT',
      path: target,
      headers: {
        host: target,
        authorization: `Bearer ${token}`,
        'x-drawbridge-tunnel-id': tunnel.id,
        ...(opts.remoteAddress ? { 'x-forwarded-for': opts.remoteAddress } : {}),
      },
      timeout: opts.timeoutMs ?? DEFAULT_DATA_PLANE_CONNECT_TIMEOUT_MS,
    });
    req.once('connect', (res, socket, head) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        fail(`data plane of ${tunnel.edgeId} refused tunnel ${tunnel.id}: HTTP ${res.statusCode}`);
        return;
      }
      socket.setTimeout(0);
      socket.setNoDelay(true);
      // Bytes the ssh-edge sent right after its 200 belong to the upstream's response.
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    req.once('timeout', () => {
      req.destroy();
      fail(`data plane of ${tunnel.edgeId} at ${tunnel.dataPlaneAddress} did not answer in time`);
    });
    req.once('error', (err) =>
      fail(`cannot reach the data plane of ${tunnel.edgeId} at ${tunnel.dataPlaneAddress}`, err),
    );
    req.end();
  });
}
