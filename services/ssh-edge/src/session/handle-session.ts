import type { Logger } from '@drawbridge/log';
import type { AcceptConnection, RejectConnection, Session } from 'ssh2';
import type { ConnectionState } from '../types.js';
import { runStatusScreen } from './status-screen.js';

const NO_COMMANDS =
  'Drawbridge does not run commands. Use `ssh -R <route host>:443:localhost:<port> -N …` to publish a service,\r\nor connect without a command to see the tunnel status screen.\r\n';

/**
 * Session channels one connection may hold open at once, like sshd's MaxSessions default: a tunnel
 * connection needs none, a person a status screen or two; without a bound one client could open
 * thousands, each a status screen redrawn every second.
 */
export const MAX_SESSIONS_PER_CONNECTION = 10;

/** A `session` channel: the status screen for a shell, a refusal with a message for anything else. */
export function handleSession(
  conn: ConnectionState,
  accept: AcceptConnection<Session>,
  reject: RejectConnection,
  logger: Logger,
  now: () => number,
): void {
  if (conn.openSessions >= MAX_SESSIONS_PER_CONNECTION) {
    logger.info({ conn: conn.id, open: conn.openSessions }, 'session channel refused: limit reached');
    reject();
    return;
  }
  conn.openSessions++;
  const session = accept();
  session.once('close', () => {
    conn.openSessions--;
  });
  session.on('pty', (acceptPty) => acceptPty?.());
  session.on('window-change', (acceptWc) => acceptWc?.());
  session.on('env', (acceptEnv) => acceptEnv?.());
  session.on('auth-agent', (_a, rejectAgent) => rejectAgent?.());
  session.on('x11', (_a, rejectX11) => rejectX11?.());
  session.on('signal', (acceptSig) => acceptSig?.());
  session.on('shell', (acceptShell) => {
    const channel = acceptShell();
    runStatusScreen(conn, channel, now, () => {});
  });
  session.on('exec', (acceptExec, _rejectExec, info) => {
    logger.info({ conn: conn.id, command: info.command.slice(0, 200) }, 'exec refused');
    const channel = acceptExec();
    channel.stderr.write(NO_COMMANDS);
    channel.exit(1);
    channel.end();
  });
  session.on('subsystem', (acceptSub, _rejectSub, info) => {
    logger.info({ conn: conn.id, subsystem: info.name }, 'subsystem refused');
    const channel = acceptSub();
    channel.stderr.write(NO_COMMANDS);
    channel.exit(1);
    channel.end();
  });
}
