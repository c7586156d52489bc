import type { FastifyInstance } from 'fastify';
import type { AuthnDeps } from '../deps.js';
import { AuthnError, ERR_RATE_LIMITED } from '../errors.js';
import { clientIp } from '../lib/client-ip.js';
import { exchangeIdToken } from './exchange.js';

export const CERTIFICATE_PATH = '/.pomerium/ssh/certificate';

/** `POST /.pomerium/ssh/certificate`: JSON in, JSON out (errors too), for CI runners. */
export function registerTokenExchange(app: FastifyInstance, deps: AuthnDeps): void {
  app.post(CERTIFICATE_PATH, async (req, reply) => {
    if (!deps.limiter.take(`exchange:${clientIp(req.raw)}`)) {
      throw new AuthnError(
        ERR_RATE_LIMITED,
        'Too many attempts',
        'too many certificate requests from this address; wait a minute',
      );
    }
    const result = await exchangeIdToken(
      { config: deps.config(), idp: deps.idp(), ca: deps.ca(), registry: deps.registry, now: deps.now() },
      req.body,
    );
    return reply.type('application/json').send(result);
  });
}
