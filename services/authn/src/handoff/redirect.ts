import type { Config } from '@drawbridge/config';
import { signInternalToken } from '@drawbridge/protocol';
import { AuthnError, ERR_REDIRECT_NOT_ALLOWED } from '../errors.js';

/** Lifetime of a handoff token: long enough for one redirect, short enough to be useless later. */
export const HANDOFF_TTL_SECONDS = 60;

function hostMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return pattern === host;
}

/**
 * Parses `pomerium_redirect_uri` and allows it only to the authenticate host or a configured route's
 * `from` host, so the sign-in endpoint can never be used as an open redirect.
 */
export function allowedRedirect(raw: string | undefined, c: Config): URL {
  const refuse = (why: string) =>
    new AuthnError(
      ERR_REDIRECT_NOT_ALLOWED,
      'Redirect not allowed',
      `Drawbridge will not send you to that address: ${why}.`,
    );
  if (!raw) throw refuse('no pomerium_redirect_uri was given');
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw refuse('it is not an absolute URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw refuse('only http and https addresses are allowed');
  if (u.username || u.password) throw refuse('addresses with credentials are not allowed');
  const host = u.hostname.toLowerCase();
  if (host === c.authenticateHost) return u;
  if (
    c.routes.some(
      (r) => (r.fromScheme === 'https' || r.fromScheme === 'http') && hostMatches(r.fromHost, host),
    )
  )
    return u;
  throw refuse(`${host} is not a route in this gateway's config`);
}

/** `https://<route host>/.pomerium/callback?pomerium_handoff=…&pomerium_redirect_uri=…` for a session. */
export async function handoffUrl(
  target: URL,
  sessionId: string,
  sharedSecret: string,
  now: number,
): Promise<URL> {
  const token = await signInternalToken(
    sharedSecret,
    'handoff',
    { aud: target.hostname.toLowerCase(), sub: sessionId },
    HANDOFF_TTL_SECONDS,
    now,
  );
  const cb = new URL('/.pomerium/callback', target.origin);
  cb.searchParams.set('pomerium_handoff', token);
  cb.searchParams.set('pomerium_redirect_uri', target.href);
  return cb;
}
