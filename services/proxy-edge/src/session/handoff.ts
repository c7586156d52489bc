import { sealSessionCookie, verifyInternalToken } from '@drawbridge/protocol';
import type { ProxyCore } from '../core.js';
import { ERR_HANDOFF_INVALID } from '../errors.js';
import { type AnyResponse, sendPage } from '../http/pages.js';
import type { Exchange } from '../types.js';

const HANDOFF_TTL_NOTE = 'Sign-in links are valid for one minute.';

/**
 * `/.pomerium/callback`: authn sends the browser here with a one-minute handoff token for this host;
 * the route-host cookie is set and the browser goes on to the page it first asked for.
 */
export async function completeHandoff(
  core: ProxyCore,
  res: AnyResponse,
  ex: Exchange,
  accept: string | undefined,
): Promise<number> {
  const { config } = core.view();
  const params = new URLSearchParams(ex.url.slice(ex.path.length + 1));
  const redirect = safeRedirect(params.get('pomerium_redirect_uri'), ex);
  let sid: string;
  try {
    const claims = await verifyInternalToken(
      config.shared_secret,
      'handoff',
      params.get('pomerium_handoff') ?? undefined,
      ex.host,
    );
    sid = claims.sub;
  } catch {
    return refuse(res, accept, redirect);
  }
  core.sessions.forget(sid);
  const session = await core.sessions.session(sid);
  if (!session) return refuse(res, accept, redirect);
  const now = core.ctx.now();
  const cookie = await sealSessionCookie(config.cookie_secret, {
    sid,
    host: ex.host,
    iat: Math.floor(now / 1000),
    exp: Math.floor(session.expiresAt / 1000),
  });
  const expires = new Date(session.expiresAt).toUTCString();
  res.writeHead(302, {
    location: redirect,
    'set-cookie': `${config.cookie_name}=${cookie}; Path=/; Expires=${expires}; Secure; HttpOnly; SameSite=Lax`,
    'cache-control': 'no-store',
    'content-length': '0',
  });
  res.end();
  return 302;
}

/** `/.pomerium/sign_out` on a route host: forget this host's cookie, then sign out at the authenticate host. */
export function signOut(core: ProxyCore, res: AnyResponse): number {
  const { config, authenticateBase } = core.view();
  res.writeHead(302, {
    location: `${authenticateBase}/.pomerium/sign_out`,
    'set-cookie': `${config.cookie_name}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax`,
    'cache-control': 'no-store',
    'content-length': '0',
  });
  res.end();
  return 302;
}

/** Only same-host targets: the callback must never become an open redirect. */
function safeRedirect(target: string | null, ex: Exchange): string {
  const fallback = `https://${ex.hostHeader}/`;
  if (!target) return fallback;
  try {
    const u = new URL(target);
    return u.protocol === 'https:' && u.hostname.toLowerCase() === ex.host ? u.href : fallback;
  } catch {
    return fallback;
  }
}

function refuse(res: AnyResponse, accept: string | undefined, retry: string): number {
  sendPage(res, accept, {
    status: 400,
    code: ERR_HANDOFF_INVALID,
    title: 'Sign-in link expired',
    message: `This sign-in link is invalid or has expired. ${HANDOFF_TTL_NOTE} Open the page again to sign in anew.`,
    actions: [{ label: 'Try again', href: retry }],
  });
  return 400;
}
