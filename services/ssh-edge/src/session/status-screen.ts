import type { ServerChannel } from 'ssh2';
import { DEFAULT_STATUS_REFRESH_MS } from '../options.js';
import type { ConnectionState } from '../types.js';

/** Text of the live status screen for a connection. */
export function renderStatus(conn: ConnectionState, now: number): string {
  const id = conn.identity;
  const lines = [
    'Drawbridge — reverse tunnel status',
    '',
    `Signed in as ${id?.email ?? 'unknown'}${id?.name ? ` (${id.name})` : ''} via ${conn.authMethod ?? '?'}`,
    conn.expiresAt
      ? `Session expires in ${Math.max(0, Math.round((conn.expiresAt - now) / 60_000))} min`
      : '',
    '',
    conn.tunnels.size === 0
      ? 'No tunnels. Add -R <route host>:443:localhost:<port> to publish a service.'
      : 'Tunnels:',
  ];
  for (const t of conn.tunnels.values()) {
    const state =
      t.record.state === 'attached' ? 'attached' : `DETACHED (${t.record.reason ?? 'not allowed'})`;
    lines.push(`  ${t.record.routeFrom}  ${state}  requests: ${t.record.requests}`);
  }
  lines.push(
    '',
    'Press Ctrl-C to close this screen (tunnels close with it; use -N to keep them without a screen).',
  );
  return lines.filter((l, i) => l !== '' || i > 0).join('\r\n');
}

/** Runs the status screen on a shell channel until Ctrl-C, `q`, or the connection ends. */
export function runStatusScreen(
  conn: ConnectionState,
  channel: ServerChannel,
  now: () => number,
  onExit: () => void,
): void {
  let pending = false;
  const draw = () => {
    if (pending) return;
    pending = true;
    // Coalesce bursts (many requests) into one redraw per tick.
    setImmediate(() => {
      pending = false;
      if (channel.writable) channel.write(`\x1b[H\x1b[2J${renderStatus(conn, now())}\r\n`);
    });
  };
  conn.screens.add(draw);
  const timer = setInterval(draw, DEFAULT_STATUS_REFRESH_MS);
  const stop = () => {
    clearInterval(timer);
    conn.screens.delete(draw);
  };
  channel.on('data', (data: Buffer) => {
    if (data.includes(0x03) || data.includes(0x04) || data.includes(0x71)) {
      stop();
      channel.write('\r\nBye.\r\n');
      channel.exit(0);
      channel.end();
      onExit();
    }
  });
  channel.on('close', stop);
  draw();
}
