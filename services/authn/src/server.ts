import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AuthnDeps } from './deps.js';
import { AuthnError, isAuthnError } from './errors.js';
import { registerCallback } from './oidc/routes.js';
import { cspNonce, errorPage, securityHeaders } from './pages/layout.js';
import { registerSessionPages } from './session/routes.js';
import { registerSignin } from './signin/routes.js';
import { CERTIFICATE_PATH, registerTokenExchange } from './token-exchange/routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    cspNonce: string;
  }
}

/** The one place authn maps typed errors to HTTP: a page for browsers, JSON for the API. */
export function buildServer(deps: AuthnDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  app.register(formbody);
  app.decorateRequest('cspNonce', '');
  app.addHook('onRequest', async (req, reply) => {
    req.cspNonce = cspNonce();
    reply.headers(securityHeaders(req.cspNonce));
  });

  app.setErrorHandler(async (err, req, reply) => {
    const known: AuthnError = isAuthnError(err)
      ? err
      : (err as { statusCode?: number }).statusCode && (err as { statusCode: number }).statusCode < 500
        ? new AuthnError('DRAWBRIDGE_BAD_REQUEST', 'Bad request', (err as Error).message)
        : new AuthnError(
            'DRAWBRIDGE_INTERNAL',
            'Something went wrong',
            'Drawbridge could not complete this request. Try again; if it persists, tell your administrator.',
          );
    if (known.status >= 500)
      deps.logger.error({ err, code: known.code, url: req.url }, 'authn request failed');
    else deps.logger.info({ code: known.code, url: req.url.split('?')[0] }, known.message);
    reply.status(known.status);
    if (req.url.startsWith(CERTIFICATE_PATH)) {
      return reply.type('application/json').send({ error: known.code, message: known.message });
    }
    return reply.type('text/html; charset=utf-8').send(
      errorPage({
        nonce: req.cspNonce,
        title: known.title,
        message: known.message,
        code: known.code,
        status: known.status,
      }),
    );
  });

  app.setNotFoundHandler(async (req, reply) =>
    reply
      .status(404)
      .type('text/html; charset=utf-8')
      .send(
        errorPage({
          nonce: req.cspNonce,
          title: 'Page not found',
          message: 'There is nothing at this address on the Drawbridge authenticate service.',
          code: 'DRAWBRIDGE_NOT_FOUND',
          status: 404,
        }),
      ),
  );

  registerSignin(app, deps);
  registerCallback(app, deps);
  registerSessionPages(app, deps);
  registerTokenExchange(app, deps);
  return app;
}
