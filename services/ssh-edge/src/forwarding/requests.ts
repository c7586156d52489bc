import type { Logger } from '@drawbridge/log';
import type { TcpipBindInfo } from 'ssh2';
import { sshMessageFor } from '../messages.js';
import type { ConnectionState } from '../types.js';
import type { TunnelTable } from './tunnels.js';

export interface GlobalRequest {
  accept?: (chosenPort?: number) => void;
  reject?: () => void;
  name: string;
  info: unknown;
}

/**
 * `tcpip-forward` / `cancel-tcpip-forward`. A forward is never a listener: the bind host names a
 * route, and the reply says whether the tunnel attached. Failures are logged with the reason
 * because the SSH protocol has no room for one in a request failure.
 */
export function handleForwardRequest(
  conn: ConnectionState,
  table: TunnelTable,
  logger: Logger,
  req: GlobalRequest,
): void {
  const info = req.info as TcpipBindInfo;
  const log = logger.child({
    conn: conn.id,
    email: conn.identity?.email,
    bind: `${info?.bindAddr}:${info?.bindPort}`,
  });
  if (req.name === 'tcpip-forward') {
    table.attach(conn, String(info.bindAddr ?? ''), Number(info.bindPort ?? 0)).then(
      (t) => {
        // For port 0 OpenSSH expects the allocated port back and uses it in forwarded-tcpip opens.
        req.accept?.(t.requestedPort === 0 ? t.forwardPort : undefined);
        for (const refresh of conn.screens) refresh();
      },
      (err) => {
        log.info(
          { code: (err as { code?: string }).code, reason: sshMessageFor(err) },
          'tcpip-forward refused',
        );
        req.reject?.();
      },
    );
    return;
  }
  if (req.name === 'cancel-tcpip-forward') {
    table.cancel(conn, String(info.bindAddr ?? ''), Number(info.bindPort ?? 0)).then(
      (ok) => (ok ? req.accept?.() : req.reject?.()),
      () => req.reject?.(),
    );
    return;
  }
  log.info({ request: req.name }, 'global request refused');
  req.reject?.();
}
