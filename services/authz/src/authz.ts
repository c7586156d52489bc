import type { Bus } from '@drawbridge/bus';
import type { ConfigSource, LoadedConfig, Route } from '@drawbridge/config';
import type { Logger } from '@drawbridge/log';
import { createPolicyEngine, type PolicyEngine, PolicyError } from '@drawbridge/policy';
import type { AuthzApi, Decision, EvaluateRequest } from '@drawbridge/protocol';
import { parseAddress } from '@drawbridge/runtime';
import { AuthzError, ERR_AUTHZ_NO_ENGINE } from './errors.js';
import { startAuthzHttp } from './http/server.js';

export interface AuthzOptions {
  config: ConfigSource;
  bus?: Bus;
  logger: Logger;
  now?: () => number;
  /** Serve the HTTP API on `authorize_internal_address` (default true). */
  http?: boolean;
}

/** The authz service: AuthzApi for direct calls, plus bus and HTTP answers once started. */
export interface Authz extends AuthzApi {
  readonly name: 'authz';
  /** Synchronous decision, for callers in the same process. */
  evaluateSync(req: EvaluateRequest): Decision;
  /** The engine for the current generation (route lookups for in-process edges). */
  engine(): PolicyEngine<Route>;
  start(): Promise<void>;
  stop(opts?: { graceMs?: number }): Promise<void>;
  ready(): Promise<boolean>;
  describe(): string[];
  /** Port of the HTTP API once started (useful when the address ends in :0). */
  readonly httpPort: number | undefined;
}

function build(loaded: LoadedConfig): PolicyEngine<Route> {
  return createPolicyEngine(loaded.config.routes, { generation: loaded.generation });
}

/**
 * Creates authz: compiles every route's policies for the current config generation and recompiles
 * on each reload, keeping the last good engine when a reload's policies do not compile.
 * @example const authz = createAuthz({ config, bus, logger }); await authz.start();
 */
export function createAuthz(opts: AuthzOptions): Authz {
  if (!opts.config || typeof opts.config.current !== 'function')
    throw new TypeError('createAuthz: config must be a ConfigSource');
  if (!opts.logger) throw new TypeError('createAuthz: logger is required');
  const now = opts.now ?? Date.now;
  const logger = opts.logger;
  const serveHttp = opts.http !== false;

  let engine: PolicyEngine<Route>;
  try {
    engine = build(opts.config.current());
  } catch (err) {
    throw new AuthzError(ERR_AUTHZ_NO_ENGINE, `cannot compile route policies: ${(err as Error).message}`, {
      cause: err,
    });
  }

  const reload = (next: LoadedConfig) => {
    try {
      engine = build(next);
      logger.info({ generation: next.generation, routes: next.config.routes.length }, 'policies compiled');
      // Edges in other processes re-evaluate tunnels and drop cached decisions when they hear this;
      // their own file watchers may fire before ours, so our announcement is what they can trust.
      opts.bus?.publish('config.reloaded', { generation: next.generation, source: 'authz' }).catch((err) => {
        logger.warn({ err }, 'could not announce config reload');
      });
    } catch (err) {
      const issues = err instanceof PolicyError ? err.issues : undefined;
      logger.error(
        { err, issues, generation: next.generation, kept: engine.generation },
        `policies of generation ${next.generation} do not compile; keeping generation ${engine.generation}`,
      );
    }
  };
  const unsubscribeConfig = opts.config.subscribe((next) => reload(next));

  const evaluateSync = (req: EvaluateRequest): Decision => engine.evaluate(req);
  const cleanups: (() => void | Promise<void>)[] = [];
  let httpPort: number | undefined;
  let started = false;

  const authz: Authz = {
    name: 'authz',
    evaluateSync,
    evaluate: async (req) => evaluateSync(req),
    engine: () => engine,
    get httpPort() {
      return httpPort;
    },
    async start() {
      if (started) return;
      started = true;
      if (opts.bus) {
        cleanups.push(opts.bus.handle('authz.evaluate', async (req) => evaluateSync(req)));
        cleanups.push(opts.bus.handle('authz.evaluate-many', async (reqs) => reqs.map(evaluateSync)));
      }
      if (serveHttp) {
        const c = opts.config.current().config;
        const { host, port } = parseAddress(c.authorize_internal_address);
        const http = await startAuthzHttp({
          host,
          port,
          sharedSecret: () => opts.config.current().config.shared_secret,
          evaluate: evaluateSync,
          logger,
          now,
        });
        httpPort = http.port;
        cleanups.push(() => http.close());
      }
    },
    async stop() {
      unsubscribeConfig();
      for (const c of cleanups.splice(0).reverse()) await c();
      started = false;
    },
    async ready() {
      return true;
    },
    describe() {
      const lines = [
        `authz: ${opts.config.current().config.routes.length} routes, generation ${engine.generation}`,
      ];
      if (httpPort !== undefined) lines.push(`authz: evaluate API on port ${httpPort}`);
      return lines;
    },
  };
  return authz;
}
