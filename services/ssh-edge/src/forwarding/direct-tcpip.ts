import { connect } from 'node:net';
import type { Logger } from '@drawbridge/log';
import type { AcceptConnection, RejectConnection, ServerChannel, TcpipRequestInfo } from 'ssh2';
import type { ConnectionState } from '../types.js';

/** How long the gateway waits for a `direct-tcpip` destination to accept the TCP connection. */
export const DIRECT_TCPIP_CONNECT_TIMEOUT_MS = 10_000;

export interface DirectTcpipDeps {
  /** `runtime_flags.ssh_allow_direct_tcpip`, read per open so a config reload applies at once. */
  allowed: () => boolean;
  /** Open forwards one connection may hold at once. */
  maxChannels: () => number;
  logger: Logger;
  /** Called for every stream that opens and closes, for drain accounting. */
  onStream: (delta: 1 | -1) => void;
}

/**
 * A `direct-tcpip` channel (`ssh -L`, `ssh -J`, `ssh -W`) from an authenticated client: refused
 * unless `runtime_flags.ssh_allow_direct_tcpip` is on, then a TCP connection from the gateway to
 * the destination the client names, piped both ways. Each open forward registers a closer on the
 * connection so that turning the flag off ends it.
 */
export function handleDirectTcpip(
  conn: ConnectionState,
  accept: AcceptConnection<ServerChannel>,
  reject: RejectConnection,
  info: TcpipRequestInfo,
  deps: DirectTcpipDeps,
): void {
  const dest = `${info.destIP}:${info.destPort}`;
  const log = deps.logger.child({ conn: conn.id, email: conn.identity?.email, dest });
  if (!conn.authenticated || conn.closed || !deps.allowed()) {
    log.info('direct-tcpip refused: runtime_flags.ssh_allow_direct_tcpip is off');
    reject();
    return;
  }
  if (conn.directForwards.size >= deps.maxChannels()) {
    log.info({ open: conn.directForwards.size }, 'direct-tcpip refused: limit reached');
    reject();
    return;
  }
  const socket = connect({ host: info.destIP, port: info.destPort });
  socket.setNoDelay(true);
  let settled = false;
  const timer = setTimeout(
    () => socket.destroy(new Error('connect timeout')),
    DIRECT_TCPIP_CONNECT_TIMEOUT_MS,
  );
  const close = () => socket.destroy();
  conn.directForwards.add(close);
  deps.onStream(1);
  socket.once('error', (err) => {
    if (!settled) log.info({ err: err.message }, 'direct-tcpip destination unreachable');
  });
  socket.once('close', () => {
    clearTimeout(timer);
    conn.directForwards.delete(close);
    deps.onStream(-1);
    if (settled) return;
    settled = true;
    reject();
  });
  socket.once('connect', () => {
    clearTimeout(timer);
    if (settled) return;
    settled = true;
    if (conn.closed) {
      socket.destroy();
      return;
    }
    const channel = accept();
    log.info('direct-tcpip opened');
    socket.on('error', () => {});
    channel.on('error', () => {});
    socket.pipe(channel).pipe(socket);
    channel.once('close', () => socket.destroy());
    socket.once('close', () => channel.close());
  });
}
