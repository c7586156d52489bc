import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthnDeps } from '../deps.js';
import { beginLogin } from '../oidc/routes.js';
import { signedOutPage, userInfoPage } from '../pages/user-info.js';

export const SIGNED_OUT_PATH = '/.pomerium/signed_out';

/** The user info page, sign-out (with RP-initiated logout) and the signed-out landing page. */
export function registerSessionPages(app: FastifyInstance, deps: AuthnDeps): void {
  app.get('/', async (_req, reply) => reply.redirect('/.pomerium/', 302));

  app.get('/.pomerium/', async (req, reply) => {
    const session = await deps.sessions.fromCookieHeader(req.headers.cookie);
    if (!session) return beginLogin(deps, req, reply);
    const tunnels = (await deps.registry.listTunnels()).filter(
      (t) => t.sessionId === session.id || t.identity.email === session.identity.email,
    );
    return reply
      .type('text/html; charset=utf-8')
      .send(userInfoPage({ nonce: req.cspNonce, session, tunnels }));
  });

  const signOut = async (req: FastifyRequest, reply: FastifyReply) => {
    const session = await deps.sessions.fromCookieHeader(req.headers.cookie);
    reply.header('set-cookie', deps.sessions.clearCookie());
    if (!session) return reply.redirect(SIGNED_OUT_PATH, 302);
    await deps.sessions.end(session, 'signed out');
    deps.logger.info({ sessionId: session.id, email: session.identity.email }, 'signed out');
    const idp = deps.idp();
    const logout = idp.ready()
      ? idp.endSessionUrl(session.idToken, `${deps.settings().publicBase}${SIGNED_OUT_PATH}`)
      : undefined;
    return reply.redirect(logout?.href ?? SIGNED_OUT_PATH, 302);
  };
  app.get('/.pomerium/sign_out', signOut);
  app.post('/.pomerium/sign_out', signOut);

  app.get(SIGNED_OUT_PATH, async (req, reply) =>
    reply.type('text/html; charset=utf-8').send(signedOutPage(req.cspNonce)),
  );
}
