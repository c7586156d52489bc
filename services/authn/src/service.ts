import type { AddressInfo } from 'node:net';
import { parseAddress, type Service, type ServiceContext } from '@drawbridge/runtime';
import type { FastifyInstance } from 'fastify';
import { loadUserCa, type UserCa } from './ca/load.js';
import type { AuthnDeps } from './deps.js';
import { IdpClient } from './oidc/client.js';
import {
  type AuthnSettings,
  authnSettings,
  DEFAULT_LOGIN_TTL_MS,
  DEFAULT_SIGNIN_RATE_LIMIT,
  DEFAULT_SIGNIN_RATE_WINDOW_MS,
} from './options.js';
import { buildServer } from './server.js';
import { SessionManager } from './session/manager.js';
import { RateLimiter } from './signin/rate-limit.js';

/** Knobs for tests; production reads everything from the config. */
export interface AuthnOptions {
  /** Code lookups per client address per minute (default 30). */
  signinRateLimit?: number;
  /** Refresh ID tokens this long before they expire (default 60 s). */
  refreshMarginMs?: number;
}

/** The running authn service. */
export interface Authn extends Service {
  /** `http://host:port` of the internal listener proxy-edge forwards the authenticate host to. */
  internalUrl(): string;
  /** Refreshes due sessions now (the background sweep does this every 30 s). */
  sweepSessions(): Promise<void>;
}

/**
 * The authenticate service: OIDC sign-in, sessions, Verify Sign In for SSH user codes, route-host
 * handoff, sign-out, the user CA and the CI token exchange, on `authenticate_internal_address`.
 * @example const authn = createAuthn(ctx); await authn.start(); proxy forwards to authn.internalUrl()
 */
export function createAuthn(ctx: ServiceContext, opts: AuthnOptions = {}): Authn {
  const logger = ctx.logger.child({ component: 'authn' });
  const config = () => ctx.config.current().config;
  let settings: AuthnSettings = authnSettings(config());
  let idp = new IdpClient(settings.idp, logger);
  let ca: UserCa | undefined;
  let caFile: string | undefined;
  let app: FastifyInstance | undefined;
  let url = '';
  let unsubscribe: (() => void) | undefined;

  const sessions = new SessionManager({
    registry: ctx.registry,
    bus: ctx.bus,
    idp: () => idp,
    settings: () => settings,
    logger,
    now: ctx.now,
    refreshMarginMs: opts.refreshMarginMs,
  });

  const loadCa = async () => {
    caFile = config().ssh_user_ca_key_file;
    ca = caFile ? await loadUserCa(caFile) : undefined;
    if (!ca) logger.warn('ssh_user_ca_key_file is not set: SSH sign-ins are approved without certificates');
  };

  const deps: AuthnDeps = {
    config,
    settings: () => settings,
    registry: ctx.registry,
    bus: ctx.bus,
    logger,
    now: ctx.now,
    idp: () => idp,
    sessions,
    ca: () => ca,
    limiter: new RateLimiter(
      opts.signinRateLimit ?? DEFAULT_SIGNIN_RATE_LIMIT,
      DEFAULT_SIGNIN_RATE_WINDOW_MS,
      ctx.now,
    ),
    loginTtlMs: DEFAULT_LOGIN_TTL_MS,
  };

  const onConfig = () => {
    const next = authnSettings(config());
    if (JSON.stringify(next.idp) !== JSON.stringify(settings.idp)) {
      idp.stop();
      idp = new IdpClient(next.idp, logger);
      idp.start();
    }
    settings = next;
    if (config().ssh_user_ca_key_file !== caFile) {
      // Keep the old CA when the new file is unreadable: a typo must not stop sign-ins.
      loadCa().catch((err) =>
        logger.error({ err: (err as Error).message }, 'user CA reload failed; keeping the previous one'),
      );
    }
  };

  return {
    name: 'authn',
    async start() {
      await loadCa();
      idp.start();
      sessions.startSweep();
      unsubscribe = ctx.config.subscribe(onConfig);
      app = buildServer(deps);
      const { host, port } = parseAddress(config().authenticate_internal_address);
      await app.listen({ host, port });
      const a = app.server.address() as AddressInfo;
      url = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
      logger.info({ internalUrl: url, publicUrl: settings.publicBase }, 'authn listening');
    },
    async stop() {
      unsubscribe?.();
      sessions.stopSweep();
      idp.stop();
      await app?.close();
      app = undefined;
    },
    async ready() {
      return app !== undefined && idp.ready();
    },
    describe() {
      return [`authenticate: ${settings.publicBase} (internal ${url})`];
    },
    internalUrl() {
      return url;
    },
    sweepSessions() {
      return sessions.sweepOnce();
    },
  };
}
