import type { FastifyInstance } from 'fastify';
import type { AuthnDeps } from '../deps.js';
import {
  AuthnError,
  ERR_CSRF_INVALID,
  ERR_ORIGIN_INVALID,
  ERR_RATE_LIMITED,
  ERR_SESSION_REQUIRED,
} from '../errors.js';
import { allowedRedirect, handoffUrl } from '../handoff/redirect.js';
import { clientIp } from '../lib/client-ip.js';
import { beginLogin } from '../oidc/routes.js';
import { csrfToken, csrfValid } from './csrf.js';
import { decideSignin, lookupPending } from './decide.js';
import { decidedPage, verifyPage } from './verify-page.js';

export const VERIFY_PATH = '/.pomerium/sign_in/verify';

function rateLimit(deps: AuthnDeps, ip: string): void {
  if (!deps.limiter.take(ip)) {
    throw new AuthnError(
      ERR_RATE_LIMITED,
      'Too many attempts',
      'Too many sign-in attempts from your address. Wait a minute and try again.',
    );
  }
}

/** `/.pomerium/sign_in` (SSH user codes and route-host handoffs) and the Verify Sign In decision. */
export function registerSignin(app: FastifyInstance, deps: AuthnDeps): void {
  app.get('/.pomerium/sign_in', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    if (q.user_code !== undefined) {
      rateLimit(deps, clientIp(req.raw));
      const signin = await lookupPending(deps.registry, q.user_code, deps.now());
      const session = await deps.sessions.fromCookieHeader(req.headers.cookie);
      if (!session) return beginLogin(deps, req, reply);
      return reply.type('text/html; charset=utf-8').send(
        verifyPage({
          nonce: req.cspNonce,
          identity: session.identity,
          signin,
          csrfToken: csrfToken(deps.settings().cookieSecret, session.id, signin.userCode),
          action: VERIFY_PATH,
        }),
      );
    }
    if (q.pomerium_redirect_uri !== undefined) {
      const target = allowedRedirect(q.pomerium_redirect_uri, deps.config());
      const session = await deps.sessions.fromCookieHeader(req.headers.cookie);
      if (!session) return beginLogin(deps, req, reply);
      const s = deps.settings();
      if (target.hostname.toLowerCase() === s.authenticateHost) return reply.redirect(target.href, 302);
      return reply.redirect((await handoffUrl(target, session.id, s.sharedSecret, deps.now())).href, 302);
    }
    return reply.redirect('/.pomerium/', 302);
  });

  app.post(VERIFY_PATH, async (req, reply) => {
    const s = deps.settings();
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== s.publicOrigin) {
      throw new AuthnError(
        ERR_ORIGIN_INVALID,
        'Request refused',
        'This form was submitted from another site and was refused.',
      );
    }
    const session = await deps.sessions.fromCookieHeader(req.headers.cookie);
    if (!session) {
      throw new AuthnError(
        ERR_SESSION_REQUIRED,
        'Signed out',
        'Your session ended before you decided. Open the sign-in link from your terminal again.',
      );
    }
    rateLimit(deps, clientIp(req.raw));
    const form = (req.body ?? {}) as Record<string, string | undefined>;
    const userCode = form.user_code ?? '';
    if (!csrfValid(s.cookieSecret, session.id, userCode, form.csrf_token)) {
      throw new AuthnError(
        ERR_CSRF_INVALID,
        'Request refused',
        'The form was missing its security token or it did not match your session. Reload the sign-in page and try again.',
      );
    }
    const approve = form.decision === 'authorize';
    const resolved = await decideSignin(
      {
        registry: deps.registry,
        bus: deps.bus,
        ca: deps.ca,
        certificateTtlMs: s.certificateTtlMs,
        now: deps.now(),
      },
      { userCode, session, approve, remember: form.remember === 'on' },
    );
    deps.logger.info(
      { userCode: `${userCode.slice(0, 4)}…`, status: resolved.status, email: session.identity.email },
      'SSH sign-in decided',
    );
    return reply.type('text/html; charset=utf-8').send(
      decidedPage({
        nonce: req.cspNonce,
        approved: resolved.status === 'approved',
        email: session.identity.email,
      }),
    );
  });
}
