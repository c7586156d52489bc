import type { IncomingMessage } from 'node:http';

/**
 * The visitor's address. authn listens only on an internal address that proxy-edge forwards to, and
 * proxy-edge appends the peer it saw to X-Forwarded-For, so the last entry is the one to trust.
 */
export function clientIp(req: IncomingMessage): string {
  const xff = req.headers['x-forwarded-for'];
  const header = Array.isArray(xff) ? xff.join(',') : xff;
  const last = header
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .pop();
  return last ?? req.socket.remoteAddress ?? 'unknown';
}
