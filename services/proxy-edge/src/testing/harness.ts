// Test-only wiring (excluded from the build): a real proxy-edge with a real config file, the real
// policy engine as authz, an in-process bus and a memory registry, and a local upstream service.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Bus, InProcessTransport } from '@drawbridge/bus';
import { type ConfigSource, watchConfig } from '@drawbridge/config';
import { createLogger } from '@drawbridge/log';
import { createPolicyEngine, type PolicyEngine } from '@drawbridge/policy';
import {
  type AuthzApi,
  type Identity,
  randomId,
  type Session,
  sealSessionCookie,
  type TunnelDialer,
  type TunnelRecord,
} from '@drawbridge/protocol';
import { MemoryStore, Registry } from '@drawbridge/registry';
import type { ServiceContext } from '@drawbridge/runtime';
import { Agent, type Dispatcher, request } from 'undici';
import { WebSocketServer } from 'ws';
import { createProxyEdge, type ProxyEdge } from '../service.js';

export const SECRET = Buffer.alloc(32, 11).toString('base64');
export const COOKIE_SECRET = Buffer.alloc(32, 12).toString('base64');
export const APP_HOST = 'app.localhost';
export const STATIC_HOST = 'static.localhost';
export const AUTH_HOST = 'auth.localhost';

export const ALICE: Identity = {
  sub: 'alice-sub',
  email: 'alice@example.com',
  name: 'Alice',
  groups: ['dev'],
  claims: {},
};

/** The config text: one tunnel route and one static route, both for `allowed` emails. */
export function configText(opts: {
  allowed: string[];
  upstreamPort: number;
  maxBody?: number;
  metrics?: string;
}): string {
  const allow = opts.allowed.map((e) => `            - email:\n                is: ${e}`).join('\n');
  const policy = opts.allowed.length
    ? `    policy:\n      - allow:\n          or:\n${allow}\n`
    : '    policy:\n      - allow:\n          or:\n            - email:\n                is: nobody@example.com\n';
  return `shared_secret: ${SECRET}
cookie_secret: ${COOKIE_SECRET}
address: 127.0.0.1:0
authenticate_service_url: https://${AUTH_HOST}
idp_provider_url: https://idp.localhost
idp_client_id: drawbridge
idp_client_secret: secret
max_request_body_bytes: ${opts.maxBody ?? 0}
${opts.metrics ? `metrics_address: ${opts.metrics}\n` : ''}routes:
  - from: https://${APP_HOST}
    upstream_tunnel:
      ssh_policy:
        - allow:
            or:
              - email:
                  is: alice@example.com
${policy}  - from: https://${STATIC_HOST}
    to: http://127.0.0.1:${opts.upstreamPort}
    allow_websockets: true
${policy}`;
}

/** What the local service saw of the last request. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** A local service: echoes request facts as JSON, streams SSE on /sse, echoes WebSocket messages. */
export async function startUpstream(): Promise<{
  port: number;
  seen: SeenRequest[];
  close(): Promise<void>;
}> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const bytes = /^\/bytes\/(\d+)$/.exec(req.url ?? '');
    if (bytes) {
      // Streams N bytes with backpressure, never holding more than one chunk.
      let left = Number(bytes[1]);
      const chunk = Buffer.alloc(64 * 1024, 97);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(left) });
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, chunk.length);
          left -= n;
          if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n)))
            return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      return;
    }
    if (req.url === '/sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      setTimeout(() => res.end('data: two\n\n'), 300);
      return;
    }
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
    });
    req.on('end', () => {
      const body = JSON.stringify({ method: req.method, url: req.url, size, host: req.headers.host });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (m, isBinary) => ws.send(m, { binary: isBinary })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An in-process dialer to a local TCP port: what ssh-edge's in-process dialer is to proxy-edge. */
export class LocalPortDialer implements TunnelDialer {
  dials = 0;
  failing = false;
  constructor(public port: number) {}
  dial(): Promise<Socket> {
    this.dials++;
    if (this.failing) return Promise.reject(new Error('channel refused (test)'));
    return new Promise((resolve, reject) => {
      const s = connect(this.port, '127.0.0.1');
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
  }
}

/** authz as the authz service builds it: the real policy engine, rebuilt on every config generation. */
export function engineAuthz(config: ConfigSource): AuthzApi {
  let engine: PolicyEngine = createPolicyEngine(config.current().config.routes, {
    generation: config.current().generation,
  });
  config.subscribe((next) => {
    engine = createPolicyEngine(next.config.routes, { generation: next.generation });
  });
  return { evaluate: async (req) => engine.evaluate(req) };
}

export interface Harness {
  dir: string;
  file: string;
  ctx: ServiceContext;
  edge: ProxyEdge;
  upstream: Awaited<ReturnType<typeof startUpstream>>;
  dialers: Map<string, TunnelDialer>;
  client: Agent;
  logs: string[];
  writeConfig(opts: { allowed: string[]; maxBody?: number }): void;
  attach(edgeId: string, dialer: TunnelDialer, id?: string): Promise<TunnelRecord>;
  session(identity?: Identity): Promise<{ session: Session; cookie: string; staticCookie: string }>;
  get(
    path: string,
    opts?: {
      host?: string;
      headers?: Record<string, string>;
      method?: Dispatcher.HttpMethod;
      body?: Dispatcher.DispatchOptions['body'];
    },
  ): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }>;
  close(): Promise<void>;
}

export async function startHarness(
  opts: { allowed?: string[]; maxBody?: number; metrics?: boolean } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'drawbridge-proxy-edge-'));
  const file = join(dir, 'config.yaml');
  const upstream = await startUpstream();
  const metrics = opts.metrics ? '127.0.0.1:0' : undefined;
  const write = (o: { allowed: string[]; maxBody?: number }) =>
    writeFileSync(
      file,
      configText({ ...o, upstreamPort: upstream.port, maxBody: o.maxBody ?? opts.maxBody, metrics }),
    );
  write({ allowed: opts.allowed ?? [ALICE.email] });
  const logs: string[] = [];
  const logger = createLogger({
    name: 'proxy-edge-test',
    level: 'info',
    destination: new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
  });
  const config = watchConfig(file, { logger, debounceMs: 20 });
  const registry = new Registry(new MemoryStore());
  const bus = new Bus({ transport: new InProcessTransport(), sharedSecret: SECRET, origin: 'test' });
  const ctx: ServiceContext = { config, logger, registry, bus, instanceId: 'test', now: Date.now };
  const dialers = new Map<string, TunnelDialer>();
  const heartbeats: NodeJS.Timeout[] = [];
  const edge = createProxyEdge(ctx, {
    authz: engineAuthz(config),
    authenticateUrl: () => 'http://127.0.0.1:9',
    localDialers: dialers,
    accessLog: logger,
  });
  await edge.start();
  const client = new Agent({ connect: { rejectUnauthorized: false }, keepAliveTimeout: 1000 });
  const h: Harness = {
    dir,
    file,
    ctx,
    edge,
    upstream,
    dialers,
    client,
    logs,
    writeConfig: write,
    async attach(edgeId, dialer, id = randomId()) {
      dialers.set(edgeId, dialer);
      const now = Date.now();
      const tunnel: TunnelRecord = {
        id,
        edgeId,
        dataPlaneAddress: '127.0.0.1:9',
        routeFrom: `https://${APP_HOST}`,
        bindHost: APP_HOST,
        bindPort: 443,
        identity: ALICE,
        connectionId: randomId(),
        clientAddress: '127.0.0.1',
        state: 'attached',
        generation: 1,
        connectedAt: now,
        heartbeatAt: now,
        requests: 0,
      };
      await registry.putTunnel(tunnel);
      // Heartbeat as ssh-edge does, so the record outlives the registry's 15 s TTL while attached.
      const beat = setInterval(() => {
        void registry.getTunnel(id).then((t) => t && registry.putTunnel({ ...t, heartbeatAt: Date.now() }));
      }, 5_000);
      heartbeats.push(beat);
      await bus.publish('tunnel.attached', { tunnel });
      return tunnel;
    },
    async session(identity = ALICE) {
      const now = Date.now();
      const session: Session = {
        id: randomId(),
        identity,
        createdAt: now,
        expiresAt: now + 3_600_000,
        origin: 'browser',
      };
      await registry.putSession(session);
      const seal = (host: string) =>
        sealSessionCookie(COOKIE_SECRET, {
          sid: session.id,
          host,
          iat: Math.floor(now / 1000),
          exp: Math.floor(session.expiresAt / 1000),
        });
      return {
        session,
        cookie: `_pomerium=${await seal(APP_HOST)}`,
        staticCookie: `_pomerium=${await seal(STATIC_HOST)}`,
      };
    },
    async get(path, o = {}) {
      const res = await request(`${edge.url()}${path}`, {
        dispatcher: client,
        method: o.method ?? 'GET',
        headers: { host: o.host ?? APP_HOST, ...o.headers },
        body: o.body,
      });
      return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
    },
    async close() {
      for (const t of heartbeats) clearInterval(t);
      await client.close();
      await edge.stop({ graceMs: 100 });
      config.close();
      await bus.close();
      await upstream.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}
