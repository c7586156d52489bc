import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAddress, type Service, type ServiceContext } from '@drawbridge/runtime';
import { handleInteraction } from './interactions.js';
import { type DevIdpSettings, resolveDevIdpSettings } from './options.js';
import { page } from './pages.js';
import { buildProvider, type ProviderTtls } from './provider.js';

/** Options for tests; production uses the config alone. */
export interface DevIdpOptions {
  ttls?: ProviderTtls;
}

/** The running dev IdP: a Service plus where it listens. */
export interface DevIdp extends Service {
  /** The issuer URL (`idp_provider_url`). */
  issuer(): string;
  /** The bound `host:port` (resolves port 0). */
  address(): string;
}

/**
 * The development OpenID Provider (oidc-provider) with the static users of `dev_idp.users`.
 * It reads the config once at start; restart it to pick up new users.
 * @example const idp = createDevIdp(ctx); await idp.start();
 */
export function createDevIdp(ctx: ServiceContext, opts: DevIdpOptions = {}): DevIdp {
  const logger = ctx.logger.child({ component: 'dev-idp' });
  let settings: DevIdpSettings | undefined;
  let server: Server | undefined;
  let bound = '';

  return {
    name: 'dev-idp',
    async start() {
      settings = resolveDevIdpSettings(ctx.config.current().config);
      const s = settings;
      const provider = buildProvider(s, opts.ttls);
      const callback = provider.callback();
      server = createServer((req, res) => {
        if (req.url === '/' && req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(
            page(
              'Drawbridge dev IdP',
              `<h1>Drawbridge dev IdP</h1><p class="sub">OpenID Provider for development. Discovery: /.well-known/openid-configuration</p>`,
            ),
          );
          return;
        }
        handleInteraction(provider, s, logger, req, res)
          .then((handled) => {
            if (!handled) callback(req, res);
          })
          .catch((err) => {
            logger.error({ err }, 'dev IdP interaction failed');
            if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
            res.end('dev IdP error\n');
          });
      });
      const { host, port } = parseAddress(s.address);
      await new Promise<void>((resolve, reject) => {
        server?.once('error', reject);
        server?.listen(port, host, () => resolve());
      });
      const a = server.address() as AddressInfo;
      bound = a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
      logger.info({ issuer: s.issuer, address: bound, users: s.users.length }, 'dev IdP listening');
    },
    async stop() {
      const srv = server;
      server = undefined;
      if (!srv) return;
      await new Promise<void>((resolve) => {
        srv.close(() => resolve());
        srv.closeAllConnections();
      });
    },
    async ready() {
      return server?.listening === true;
    },
    describe() {
      return settings ? [`dev IdP: ${settings.issuer} (listening on ${bound})`] : [];
    },
    issuer() {
      return settings?.issuer ?? '';
    },
    address() {
      return bound;
    },
  };
}
