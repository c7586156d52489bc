import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';
import type { AuthnDeps } from '../deps.js';
import { AuthnError, ERR_IDP_ERROR, ERR_OIDC_CALLBACK_FAILED, ERR_OIDC_STATE_INVALID } from '../errors.js';
import { clearCookie, parseCookies, serializeCookie } from '../lib/cookies.js';
import { CALLBACK_PATH } from '../options.js';
import { loginCookieName, newLoginState, openLoginState, sealLoginState } from './login-state.js';

/** Sends the browser to the IdP, remembering state, nonce, PKCE verifier and where to come back to. */
export async function beginLogin(
  deps: AuthnDeps,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const idp = deps.idp();
  if (!idp.ready()) await idp.whenReady(3_000);
  const s = deps.settings();
  const ls = newLoginState(req.raw.url ?? '/.pomerium/', deps.loginTtlMs, deps.now());
  const url = idp.authorizationUrl({
    state: ls.state,
    nonce: ls.nonce,
    codeChallenge: await oidc.calculatePKCECodeChallenge(ls.verifier),
  });
  reply.header(
    'set-cookie',
    serializeCookie(loginCookieName(ls.state), await sealLoginState(s.cookieSecret, ls), {
      secure: s.secureCookies,
      maxAgeSeconds: deps.loginTtlMs / 1000,
    }),
  );
  return reply.redirect(url.href, 302);
}

const stateError = (message: string) =>
  new AuthnError(ERR_OIDC_STATE_INVALID, 'Sign-in could not be completed', message);

/** `GET /oauth2/callback`: checks state (single use), exchanges the code, starts the session. */
export function registerCallback(app: FastifyInstance, deps: AuthnDeps): void {
  app.get(CALLBACK_PATH, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const s = deps.settings();
    const state = q.state;
    if (!state)
      throw stateError('The identity provider answered without a state parameter. Start the sign-in again.');
    const cookieName = loginCookieName(state);
    const ls = await openLoginState(
      s.cookieSecret,
      parseCookies(req.headers.cookie).get(cookieName),
      deps.now(),
    );
    reply.header('set-cookie', clearCookie(cookieName, { secure: s.secureCookies }));
    if (!ls || ls.state !== state) {
      throw stateError(
        'This sign-in response does not belong to a sign-in started in this browser, or it took longer than 10 minutes. Start the sign-in again.',
      );
    }
    // A state is good for one callback only, across all replicas: a replayed response is refused.
    const first = await deps.registry.store.setIfAbsent(
      `drawbridge:authn-state:${state}`,
      '1',
      deps.loginTtlMs,
    );
    if (!first) throw stateError('This sign-in response was already used. Start the sign-in again.');
    if (q.error) {
      throw new AuthnError(
        ERR_IDP_ERROR,
        'The identity provider refused the sign-in',
        `${q.error}${q.error_description ? `: ${q.error_description}` : ''}`,
      );
    }
    let tokens: Awaited<ReturnType<ReturnType<AuthnDeps['idp']>['exchangeCode']>>;
    try {
      tokens = await deps.idp().exchangeCode(new URL(`${s.publicBase}${req.raw.url ?? CALLBACK_PATH}`), {
        state: ls.state,
        nonce: ls.nonce,
        verifier: ls.verifier,
      });
    } catch (err) {
      // openid-client carries the IdP's OAuth error (e.g. invalid_grant) on the error object.
      const e = err as Error & { error?: string; error_description?: string };
      const detail = e.error
        ? `${e.error}${e.error_description ? `: ${e.error_description}` : ''}`
        : e.message;
      deps.logger.warn({ err: detail }, 'OIDC code exchange refused');
      throw new AuthnError(
        ERR_OIDC_CALLBACK_FAILED,
        'Sign-in could not be completed',
        `The identity provider's answer was refused (${detail}). Start the sign-in again.`,
        { cause: err },
      );
    }
    const session = await deps.sessions.create(tokens);
    deps.logger.info({ sessionId: session.id, email: session.identity.email }, 'signed in');
    reply.header('set-cookie', await deps.sessions.cookieFor(session));
    return reply.redirect(ls.returnTo, 302);
  });
}
