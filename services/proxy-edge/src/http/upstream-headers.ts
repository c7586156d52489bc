import type { IncomingHttpHeaders } from 'node:http';
import { withoutCookie } from '../lib/cookies.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) and ones undici sets itself. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'http2-settings',
]);

/**
 * Headers an upstream could mistake for identity asserted by the gateway; a visitor must never be
 * able to set them. Every `x-pomerium-*` header is dropped too.
 */
const SPOOFABLE = new Set([
  'host',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-real-ip',
  'x-forwarded-email',
  'x-forwarded-user',
  'x-forwarded-groups',
  'x-forwarded-preferred-username',
  'x-forwarded-access-token',
  'x-auth-request-email',
  'x-auth-request-user',
  'x-auth-request-groups',
  'x-auth-request-preferred-username',
  'x-auth-request-access-token',
  'remote-user',
  'x-remote-user',
  'x-webauth-user',
  'x-user',
  'x-email',
  'x-user-email',
  'x-user-id',
  'x-goog-authenticated-user-email',
  'x-goog-authenticated-user-id',
  'x-ms-client-principal',
  'x-ms-client-principal-name',
  'x-ms-client-principal-id',
  'x-drawbridge-identity',
]);

export interface UpstreamHeaderInput {
  incoming: IncomingHttpHeaders;
  /** Host header to send (the visitor's, preserved, or the `to` host). */
  host: string;
  /** Visitor's original Host (with port) for X-Forwarded-Host. */
  forwardedHost: string;
  clientIp: string;
  /** Session cookie to remove from Cookie; empty keeps every cookie (authn's own host). */
  cookieName: string;
  requestId: string;
  /** Signed identity assertion; absent for anonymous visitors of public routes. */
  assertion?: string;
  /** Keep `connection`/`upgrade` (WebSocket handshake written raw). */
  keepUpgrade?: boolean;
}

/** The headers sent upstream: incoming ones minus hop-by-hop and spoofable ones, plus what the gateway asserts. */
export function upstreamHeaders(i: UpstreamHeaderInput): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const incoming = i.incoming;
  const connection = typeof incoming.connection === 'string' ? incoming.connection.toLowerCase() : '';
  // Headers named in Connection are hop-by-hop too; the common values need no parsing.
  const connectionTokens =
    connection && connection !== 'keep-alive' && connection !== 'close' && !i.keepUpgrade
      ? new Set(connection.split(',').map((t) => t.trim()))
      : undefined;
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || name.charCodeAt(0) === 58 /* ':' h2 pseudo-header */) continue;
    if (name.startsWith('x-pomerium-') || SPOOFABLE.has(name)) continue;
    if (HOP_BY_HOP.has(name) && !(i.keepUpgrade && (name === 'connection' || name === 'upgrade'))) continue;
    if (connectionTokens?.has(name)) continue;
    if (name === 'cookie' && i.cookieName) {
      const kept = withoutCookie(Array.isArray(value) ? value.join('; ') : value, i.cookieName);
      if (kept !== undefined) out.cookie = kept;
      continue;
    }
    out[name] = value;
  }
  out.host = i.host;
  out['x-forwarded-for'] = i.clientIp;
  out['x-forwarded-proto'] = 'https';
  out['x-forwarded-host'] = i.forwardedHost;
  out['x-request-id'] = i.requestId;
  if (i.assertion) out['x-pomerium-jwt-assertion'] = i.assertion;
  return out;
}

/** Response headers that must not be relayed (hop-by-hop; illegal in HTTP/2). */
export function isHopByHopResponseHeader(name: string): boolean {
  return HOP_BY_HOP.has(name);
}
