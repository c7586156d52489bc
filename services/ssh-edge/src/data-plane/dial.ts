import type { Duplex } from 'node:stream';
import type { TunnelDialer, TunnelRecord } from '@drawbridge/protocol';
import {
  ERR_CHANNEL_FAILED,
  ERR_EDGE_DRAINING,
  ERR_LIMIT_REACHED,
  ERR_TUNNEL_DETACHED,
  ERR_TUNNEL_NOT_FOUND,
  SshEdgeError,
} from '../errors.js';
import type { TunnelTable } from '../forwarding/tunnels.js';
import type { LiveTunnel } from '../types.js';

export interface DialDeps {
  tunnels: TunnelTable;
  maxChannels: () => number;
  /** Called for every stream that opens and closes, for drain accounting. */
  onStream: (delta: 1 | -1) => void;
}

/**
 * Opens a `forwarded-tcpip` channel on the tunnel's SSH connection: the stock client connects it
 * to the local service it forwarded. The channel is the stream; ssh2 windows give backpressure.
 */
export function dialTunnel(
  deps: DialDeps,
  tunnelId: string,
  meta: { remoteAddress?: string; remotePort?: number },
): Promise<Duplex> {
  const t: LiveTunnel | undefined = deps.tunnels.get(tunnelId);
  if (!t || t.conn.closed)
    return Promise.reject(new SshEdgeError(ERR_TUNNEL_NOT_FOUND, `tunnel ${tunnelId} is not held here`));
  if (t.record.state !== 'attached') {
    return Promise.reject(
      new SshEdgeError(
        ERR_TUNNEL_DETACHED,
        `tunnel for ${t.record.routeFrom} is detached: ${t.record.reason ?? ''}`,
      ),
    );
  }
  const max = deps.maxChannels();
  if (t.activeChannels >= max) {
    return Promise.reject(
      new SshEdgeError(ERR_LIMIT_REACHED, `tunnel for ${t.record.routeFrom} has ${max} streams open already`),
    );
  }
  t.activeChannels++;
  deps.onStream(1);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    t.activeChannels--;
    deps.onStream(-1);
  };
  return new Promise<Duplex>((resolve, reject) => {
    const remoteAddr = (meta.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    try {
      t.conn.client.forwardOut(
        t.record.bindHost,
        t.forwardPort,
        remoteAddr,
        meta.remotePort ?? 0,
        (err, channel) => {
          if (err) {
            release();
            reject(
              new SshEdgeError(
                ERR_CHANNEL_FAILED,
                `the SSH client could not reach its local service: ${err.message}`,
                { cause: err },
              ),
            );
            return;
          }
          t.record.requests++;
          for (const refresh of t.conn.screens) refresh();
          channel.once('close', release);
          resolve(channel as unknown as Duplex);
        },
      );
    } catch (err) {
      release();
      reject(new SshEdgeError(ERR_CHANNEL_FAILED, 'the SSH connection is closing', { cause: err }));
    }
  });
}

/** The in-process `TunnelDialer` all-in-one proxy-edges use for tunnels this edge holds. */
export function createLocalDialer(deps: DialDeps & { draining: () => boolean }): TunnelDialer {
  return {
    dial(tunnel: TunnelRecord, meta) {
      if (deps.draining()) return Promise.reject(new SshEdgeError(ERR_EDGE_DRAINING, 'ssh-edge is draining'));
      return dialTunnel(deps, tunnel.id, meta);
    },
  };
}
