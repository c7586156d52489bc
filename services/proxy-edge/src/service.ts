import type { Server } from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { LoadedConfig } from '@drawbridge/config';
import { createAccessLogger } from '@drawbridge/log';
import type { TunnelRecord } from '@drawbridge/protocol';
import { formatAddress, parseAddress, type Service, type ServiceContext } from '@drawbridge/runtime';
import fastify, { type FastifyInstance } from 'fastify';
import { Agent } from 'undici';
import { Authorizer } from './authorize/authorizer.js';
import type { ProxyCore } from './core.js';
import { ERR_PROXY_OPTIONS, ProxyEdgeError } from './errors.js';
import { RequestHandler } from './http/request-handler.js';
import { WebSocketRelay } from './http/websocket-relay.js';
import { IdentityAssertions } from './identity/assertion.js';
import { deriveIdentitySigningKey } from './identity/signing-key.js';
import { ProxyMetrics } from './ops/metrics.js';
import { startOpsServer, startRedirectServer } from './ops/ops-server.js';
import { RouteTable } from './routing/route-table.js';
import { SessionRestorer } from './session/session-restorer.js';
import { loadTlsMaterial } from './tls/certificate.js';
import { connectThroughDataPlane } from './tunnels/data-plane-connect.js';
import { TunnelCache } from './tunnels/tunnel-cache.js';
import type { ConfigView, Exchange, ProxyEdgeDeps } from './types.js';

/**
 * HTTP/2 receive window per stream and per connection. nghttp2's default of 64 KiB caps an upload at
 * one window per round trip of the event loop (~40-60 MiB/s here, a quarter of HTTP/1.1); 1 MiB, as
 * Go's HTTP/2 server uses, lets uploads run at the tunnel's speed and bounds what one connection buffers.
 */
export const DEFAULT_HTTP2_WINDOW_BYTES = 1 << 20;

/** A running proxy-edge: a `Service` plus what tests and the all-in-one launcher need to find it. */
export interface ProxyEdge extends Service {
  /** `https://127.0.0.1:<port>` of the public listener (after start). */
  url(): string;
  port(): number;
  /** Port of `/healthz`, `/readyz`, `/metrics` when `metrics_address` is set. */
  opsPort(): number | undefined;
  /** Port of the HTTP→HTTPS redirect listener when `http_redirect_address` is set. */
  redirectPort(): number | undefined;
  /** Attached tunnels this proxy-edge currently routes to. */
  tunnels(): TunnelRecord[];
  /** Prometheus exposition text. */
  metricsText(): Promise<string>;
}

function viewOf(loaded: LoadedConfig): ConfigView {
  return {
    config: loaded.config,
    generation: loaded.generation,
    table: new RouteTable(loaded.config.routes),
    authenticateBase: loaded.config.authenticate_service_url.replace(/\/+$/, ''),
  };
}

/**
 * The HTTPS edge visitors reach: TLS, host → route, session cookie, per-request authz and proxying
 * through whichever ssh-edge holds the route's tunnel.
 * @example const edge = createProxyEdge(ctx, { authz, authenticateUrl: () => authn.internalUrl() }); await edge.start();
 */
export function createProxyEdge(ctx: ServiceContext, deps: ProxyEdgeDeps): ProxyEdge {
  if (typeof deps?.authz?.evaluate !== 'function')
    throw new ProxyEdgeError(ERR_PROXY_OPTIONS, 'createProxyEdge needs deps.authz (an AuthzApi)');
  if (typeof deps.authenticateUrl !== 'function') {
    throw new ProxyEdgeError(
      ERR_PROXY_OPTIONS,
      'createProxyEdge needs deps.authenticateUrl (a function returning authn’s internal URL)',
    );
  }
  const logger = ctx.logger.child({ component: 'proxy-edge' });
  const accessLog = deps.accessLog ?? createAccessLogger({ name: 'proxy-edge', level: ctx.logger.level });
  let view = viewOf(ctx.config.current());
  const tunnels = new TunnelCache({
    registry: ctx.registry,
    bus: ctx.bus,
    logger,
    now: ctx.now,
    open: (tunnel) => {
      const local = deps.localDialers?.get(tunnel.edgeId);
      return local ? local.dial(tunnel, {}) : connectThroughDataPlane(tunnel, view.config.shared_secret);
    },
  });
  const metrics = new ProxyMetrics(() => tunnels.counts());
  let signingSecret = view.config.shared_secret;
  let assertions = new IdentityAssertions(deriveIdentitySigningKey(signingSecret), ctx.now);
  const sessions = new SessionRestorer(ctx.registry, () => view.config.cookie_secret, ctx.now);
  const authorizer = new Authorizer(deps.authz, metrics, ctx.now);
  const agent = new Agent({ connections: 256, headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 30_000 });

  const core: ProxyCore = {
    ctx: { ...ctx, logger },
    deps,
    tunnels,
    sessions,
    get assertions() {
      return assertions;
    },
    authorizer,
    metrics,
    agent,
    view: () => view,
    complete(ex: Exchange, status: number, bytes: number) {
      const route = ex.route?.key ?? (ex.host === view.config.authenticateHost ? 'authenticate' : 'none');
      const seconds = (performance.now() - ex.started) / 1000;
      metrics.requests.inc({ route, status });
      metrics.latency.observe({ route }, seconds);
      accessLog.info(
        {
          reqId: ex.id,
          method: ex.method,
          host: ex.host,
          path: ex.path,
          route,
          email: ex.email,
          status,
          bytes,
          ms: Math.round(seconds * 1e4) / 10,
          ip: ex.clientIp,
        },
        'request',
      );
    },
  };
  const handler = new RequestHandler(core);
  const websockets = new WebSocketRelay(core, handler);

  let app: FastifyInstance | undefined;
  let listenPort = 0;
  let ops: { server: Server; port: number } | undefined;
  let redirect: { server: Server; port: number } | undefined;
  let started = false;
  const sockets = new Set<Socket>();
  const unsubscribe: Array<() => void> = [];

  const onConfig = (next: LoadedConfig) => {
    view = viewOf(next);
    authorizer.clear();
    if (next.config.shared_secret !== signingSecret) {
      signingSecret = next.config.shared_secret;
      assertions = new IdentityAssertions(deriveIdentitySigningKey(signingSecret), ctx.now);
    }
    void websockets.recheck('config reloaded');
  };

  return {
    name: 'proxy-edge',
    async start() {
      const tls = await loadTlsMaterial(view.config, logger);
      app = fastify({
        http2: true,
        https: {
          allowHTTP1: true,
          key: tls.key,
          cert: tls.cert,
          settings: { initialWindowSize: DEFAULT_HTTP2_WINDOW_BYTES },
        },
        logger: false,
        disableRequestLogging: true,
        requestTimeout: 0,
        keepAliveTimeout: 75_000,
        maxParamLength: 8192,
      } as never) as unknown as FastifyInstance;
      // Bodies are streamed to the upstream untouched: no parsing, no buffering, no fastify body limit.
      app.removeAllContentTypeParsers();
      app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
      const serve = (request: { raw: unknown }, reply: { hijack(): void; raw: unknown }) => {
        reply.hijack();
        return handler.handle(request.raw as never, reply.raw as never);
      };
      app.all('/*', serve);
      app.all('/', serve);
      app.setNotFoundHandler(serve);
      const server = app.server as unknown as Http2SecureServer;
      server.on('upgrade', websockets.onUpgrade);
      // The SETTINGS above size each stream's window; the connection's own window is set here.
      server.on('session', (session) => session.setLocalWindowSize(DEFAULT_HTTP2_WINDOW_BYTES));
      server.on('secureConnection', (s: Socket) => {
        s.setNoDelay(true);
        sockets.add(s);
        s.once('close', () => sockets.delete(s));
      });
      const { host, port } = parseAddress(view.config.address);
      await app.listen({ host, port });
      listenPort = (server.address() as AddressInfo).port;

      await tunnels.start();
      unsubscribe.push(
        ctx.config.subscribe(onConfig),
        ctx.bus.subscribe('config.reloaded', () => {
          authorizer.clear();
          void websockets.recheck('config reloaded elsewhere');
        }),
        ctx.bus.subscribe('session.revoked', ({ sessionId, reason }) => {
          sessions.forget(sessionId);
          assertions.forgetSession(sessionId);
          authorizer.clear();
          websockets.closeSession(sessionId, `session revoked: ${reason}`);
        }),
        ctx.bus.subscribe('session.changed', ({ sessionId }) => {
          sessions.forget(sessionId);
          assertions.forgetSession(sessionId);
          authorizer.clear();
          void websockets.recheck('session changed');
        }),
      );
      if (view.config.http_redirect_address)
        redirect = await startRedirectServer(view.config.http_redirect_address, listenPort);
      if (view.config.metrics_address)
        ops = await startOpsServer(view.config.metrics_address, metrics, async () => started);
      started = true;
      logger.info(
        { address: formatAddress(host, listenPort), selfSigned: tls.selfSigned },
        'proxy-edge listening',
      );
    },
    async stop(opts = {}) {
      started = false;
      for (const u of unsubscribe.splice(0)) u();
      websockets.closeAll();
      redirect?.server.close();
      ops?.server.close();
      if (app) {
        const closing = app.close();
        const grace = setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, opts.graceMs ?? 0);
        await closing;
        clearTimeout(grace);
      }
      // Only now: cutting the tunnel pools earlier turned requests still in flight into 502s.
      tunnels.stop();
      await agent.destroy().catch(() => {});
    },
    async ready() {
      return started;
    },
    describe() {
      return [
        `proxy-edge: https://${view.config.authenticateHost}:${listenPort} (routes on port ${listenPort})`,
      ];
    },
    url: () => `https://127.0.0.1:${listenPort}`,
    port: () => listenPort,
    opsPort: () => ops?.port,
    redirectPort: () => redirect?.port,
    tunnels: () => tunnels.list(),
    metricsText: () => metrics.text(),
  };
}
