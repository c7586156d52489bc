import type { IncomingMessage } from 'node:http';
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { Route } from '@drawbridge/config';
import type { ProxyCore } from '../core.js';
import type { Exchange } from '../types.js';
import type { Admission, RequestHandler } from './request-handler.js';
import { upstreamHeaders } from './upstream-headers.js';

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** An open WebSocket, kept so it can be closed when its visitor loses access. */
interface OpenSocket {
  ex: Exchange;
  route: Route;
  sessionId?: string;
  close(reason: string): void;
}

/**
 * HTTP/1.1 Upgrade requests (WebSockets): admitted exactly like requests, then the handshake and
 * every frame are piped as raw bytes through a stream of their own (a tunnel channel or a TCP/TLS
 * connection to a static upstream). Open sockets are re-checked when config or sessions change.
 */
export class WebSocketRelay {
  private readonly open = new Set<OpenSocket>();

  constructor(
    private readonly core: ProxyCore,
    private readonly handler: RequestHandler,
  ) {}

  /** Listener for the server's `upgrade` event. */
  readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    this.upgrade(req, socket, head).catch((err) => {
      this.core.ctx.logger.error({ err }, 'websocket upgrade failed');
      reject(socket, 500, 'Drawbridge could not handle this request');
    });
  };

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const ex = this.handler.begin(req);
    const view = this.core.view();
    if (ex.host === view.config.authenticateHost) {
      const target = new URL(this.core.deps.authenticateUrl());
      const upstream = netConnect(Number(target.port || 80), target.hostname);
      return this.relay(req, socket, head, ex, undefined, upstream, ex.hostHeader, '');
    }
    const admission: Admission = await this.handler.admit(req, ex);
    if (!admission.ok) {
      this.core.complete(ex, admission.status, 0);
      return reject(socket, admission.status, admission.message);
    }
    const { route, session } = admission;
    if (route.allow_websockets === false || (!route.isTunnel && route.allow_websockets !== true)) {
      this.core.complete(ex, 403, 0);
      return reject(socket, 403, `WebSockets are not enabled for ${route.from} (allow_websockets)`);
    }
    let upstream: Duplex | undefined;
    let host = ex.hostHeader;
    if (route.isTunnel) {
      let entry = this.core.tunnels.pick(route.from);
      for (let i = 0; entry && !upstream && i < 3; i++) {
        try {
          upstream = await entry.openStream();
        } catch (err) {
          this.core.tunnels.markBad(entry);
          this.core.ctx.logger.warn(
            { err, tunnelId: entry.record.id },
            'cannot open a websocket stream through the tunnel',
          );
          entry = this.core.tunnels.pick(route.from, entry);
        }
      }
      if (!upstream) {
        this.core.complete(ex, 503, 0);
        return reject(socket, 503, `no healthy upstream: nobody is publishing ${route.from}`);
      }
    } else {
      const target = new URL(route.toUrls[0] as string);
      if (!route.preserve_host_header) host = target.host;
      const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
      upstream =
        target.protocol === 'https:'
          ? tlsConnect({ host: target.hostname, port, servername: target.hostname })
          : netConnect(port, target.hostname);
    }
    const assertion = session
      ? this.core.assertions.get(
          { sessionId: session.id, identity: session.identity },
          ex.host,
          view.config.authenticateHost,
        )
      : undefined;
    this.relay(
      req,
      socket,
      head,
      ex,
      { route, sessionId: session?.id },
      upstream,
      host,
      view.config.cookie_name,
      assertion,
    );
  }

  private relay(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    ex: Exchange,
    tracked: { route: Route; sessionId?: string } | undefined,
    upstream: Duplex,
    host: string,
    cookieName: string,
    assertion?: string,
  ): void {
    const headers = upstreamHeaders({
      incoming: req.headers,
      host,
      forwardedHost: ex.hostHeader,
      clientIp: ex.clientIp,
      cookieName,
      requestId: ex.id,
      assertion,
      keepUpgrade: true,
    });
    let text = `${ex.method} ${ex.url} HTTP/1.1\r\n`;
    for (const [name, value] of Object.entries(headers)) {
      for (const v of Array.isArray(value) ? value : [value]) text += `${name}: ${v}\r\n`;
    }
    upstream.write(`${text}\r\n`);
    if (head.length > 0) upstream.write(head);
    let bytes = 0;
    upstream.on('data', (c: Buffer) => {
      bytes += c.length;
    });
    upstream.pipe(socket);
    socket.pipe(upstream);
    const entry: OpenSocket | undefined = tracked && {
      ex,
      route: tracked.route,
      sessionId: tracked.sessionId,
      close: (reason) => {
        this.core.ctx.logger.info(
          { reqId: ex.id, route: tracked.route.key, email: ex.email, reason },
          'closing websocket',
        );
        socket.destroy();
        upstream.destroy();
      },
    };
    if (entry) {
      this.open.add(entry);
      this.core.metrics.openWebSockets.inc();
    }
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      socket.destroy();
      upstream.destroy();
      if (entry) {
        this.open.delete(entry);
        this.core.metrics.openWebSockets.dec();
      }
      this.core.complete(ex, 101, bytes);
    };
    for (const s of [socket, upstream]) {
      s.once('close', done);
      s.once('error', done);
    }
  }

  /** Closes the sockets of a revoked session at once. */
  closeSession(sessionId: string, reason: string): void {
    for (const s of this.open) if (s.sessionId === sessionId) s.close(reason);
  }

  /** Re-admits every open socket (after a config reload or session change) and closes the ones now refused. */
  async recheck(reason: string): Promise<void> {
    const view = this.core.view();
    await Promise.all(
      [...this.open].map(async (s) => {
        const route = view.table.match(s.ex.host, s.ex.path);
        if (!route || route.key !== s.route.key) return s.close(`${reason}: route removed`);
        const session = s.sessionId ? await this.core.sessions.session(s.sessionId) : undefined;
        if (s.sessionId && !session) return s.close(`${reason}: session ended`);
        try {
          const d = await this.core.authorizer.decide({
            route,
            session,
            method: s.ex.method,
            path: s.ex.path,
            host: s.ex.host,
            sourceIp: s.ex.clientIp,
          });
          if (!d.allow) s.close(`${reason}: ${d.reason}`);
        } catch (err) {
          this.core.ctx.logger.warn({ err }, 'cannot re-check an open websocket; leaving it open');
        }
      }),
    );
  }

  closeAll(): void {
    for (const s of this.open) s.close('proxy-edge stopping');
  }

  get size(): number {
    return this.open.size;
  }
}

function reject(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
