import type { Http2ServerRequest } from 'node:http2';
import { type Readable, Transform } from 'node:stream';
import type { Route } from '@drawbridge/config';
import type { Session } from '@drawbridge/protocol';
import { isDrawbridgeError } from '@drawbridge/protocol';
import type { Dispatcher } from 'undici';
import type { ProxyCore } from '../core.js';
import {
  ERR_AUTHZ_UNAVAILABLE,
  ERR_BODY_TOO_LARGE,
  ERR_NO_HEALTHY_UPSTREAM,
  ERR_TUNNEL_DIAL_FAILED,
  ProxyEdgeError,
} from '../errors.js';
import { readCookie } from '../lib/cookies.js';
import { completeHandoff, signOut } from '../session/handoff.js';
import { isEdgeUnreachable } from '../tunnels/data-plane-connect.js';
import type { TunnelEntry } from '../tunnels/tunnel-cache.js';
import type { AnyRequest, Exchange } from '../types.js';
import { normalizePath } from './normalize-path.js';
import { type AnyResponse, sendPage, wantsHtml } from './pages.js';
import { type RelayOutcome, ResponseRelay } from './response-relay.js';
import { upstreamHeaders } from './upstream-headers.js';

/** Default time an upstream may take to send response headers (Pomerium's `timeout`; 0 disables). */
export const DEFAULT_UPSTREAM_HEADERS_TIMEOUT_MS = 300_000;
const MAX_TUNNEL_ATTEMPTS = 3;
const JWKS_PATH = '/.well-known/pomerium/jwks.json';

/** Who may pass, decided before anything is forwarded. */
export type Admission =
  | { ok: true; route: Route; session: Session | undefined }
  | {
      ok: false;
      status: number;
      location?: string;
      code: string;
      title: string;
      message: string;
      facts?: Array<[string, string]>;
      signOut?: boolean;
    };

/** Serves every request on the public listener: routing, sign-in, authorization and proxying. */
export class RequestHandler {
  private counter = 0;
  private readonly idPrefix = Math.random().toString(36).slice(2, 8);

  constructor(private readonly core: ProxyCore) {}

  /** Builds the typed per-request state. */
  begin(req: AnyRequest): Exchange {
    const hostHeader = (
      (req.headers[':authority'] as string | undefined) ??
      req.headers.host ??
      ''
    ).toLowerCase();
    const colon = hostHeader.lastIndexOf(':');
    const host = colon > 0 && !hostHeader.endsWith(']') ? hostHeader.slice(0, colon) : hostHeader;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const ip = req.socket?.remoteAddress ?? '';
    return {
      id: `${this.idPrefix}-${(++this.counter).toString(36)}`,
      started: performance.now(),
      method: req.method ?? 'GET',
      host,
      hostHeader,
      url,
      path: q < 0 ? url : url.slice(0, q),
      clientIp: ip.startsWith('::ffff:') ? ip.slice(7) : ip,
    };
  }

  async handle(req: AnyRequest, res: AnyResponse): Promise<void> {
    const ex = this.begin(req);
    try {
      await this.serve(req, res, ex);
    } catch (err) {
      this.core.ctx.logger.error({ err, reqId: ex.id }, 'request failed');
      const unavailable = isDrawbridgeError(err, ERR_AUTHZ_UNAVAILABLE);
      sendPage(res, req.headers.accept, {
        status: unavailable ? 503 : 500,
        code: unavailable ? ERR_AUTHZ_UNAVAILABLE : 'DRAWBRIDGE_INTERNAL',
        title: unavailable ? 'Authorization unavailable' : 'Something went wrong',
        message: unavailable
          ? 'Drawbridge could not check your access right now. Try again in a moment.'
          : 'Drawbridge could not handle this request. Try again; if it keeps happening, tell the gateway operator.',
        facts: [['Request id', ex.id]],
      });
      this.core.complete(ex, unavailable ? 503 : 500, 0);
    }
  }

  /** Routing, session and policy: everything that decides whether a request may pass. */
  async admit(req: AnyRequest, ex: Exchange): Promise<Admission> {
    const view = this.core.view();
    const route = view.table.match(ex.host, ex.path);
    if (!route) {
      const known = view.table.hasHost(ex.host);
      return {
        ok: false,
        status: 404,
        code: 'DRAWBRIDGE_ROUTE_NOT_FOUND',
        title: 'Not found',
        message: known
          ? `No route on ${ex.host} serves ${ex.path}.`
          : `Drawbridge has no route for ${ex.host || 'this host'}.`,
      };
    }
    ex.route = route;
    const cookie = readCookie(req.headers.cookie as string | undefined, view.config.cookie_name);
    // Cache hits come back as plain values: no promise and no microtask hop on the common path.
    const restored = this.core.sessions.restore(cookie, ex.host);
    const session = restored instanceof Promise ? await restored : restored;
    ex.email = session?.identity.email;
    const ask = (path: string) =>
      this.core.authorizer.decide({
        route,
        session,
        method: ex.method,
        path,
        host: ex.host,
        sourceIp: ex.clientIp,
      });
    let decision = ask(ex.path);
    if (decision instanceof Promise) decision = await decision;
    // The upstream may decode and resolve the path: it must be allowed both as sent and as understood.
    const normalized = normalizePath(ex.path);
    if (decision.allow && normalized !== ex.path) decision = await ask(normalized);
    if (decision.allow) return { ok: true, route, session };
    if (!session || decision.reason === 'unauthenticated') {
      const original = `https://${ex.hostHeader}${ex.url}`;
      return {
        ok: false,
        status: 401,
        location: `${view.authenticateBase}/.pomerium/sign_in?pomerium_redirect_uri=${encodeURIComponent(original)}`,
        code: 'DRAWBRIDGE_UNAUTHENTICATED',
        title: 'Sign in required',
        message: `Sign in to reach ${ex.host}.`,
      };
    }
    return {
      ok: false,
      status: 403,
      code: 'DRAWBRIDGE_FORBIDDEN',
      title: 'Access denied',
      message: `${session.identity.email} is not allowed to reach ${ex.host}.`,
      facts: [
        ['Signed in as', session.identity.email],
        ['Route', route.from],
        ['Reason', reasonText(decision.reason)],
        ['Request id', ex.id],
      ],
      signOut: true,
    };
  }

  private async serve(req: AnyRequest, res: AnyResponse, ex: Exchange): Promise<void> {
    const view = this.core.view();
    const accept = req.headers.accept;
    // A connection opened for one name must not be used for another (RFC 9110 §15.5.20).
    const sni = (req.socket as { servername?: string | false } | undefined)?.servername;
    if (typeof sni === 'string' && sni && sni.toLowerCase() !== ex.host) {
      return this.refuse(res, ex, accept, misdirected(ex.host, sni));
    }
    if (ex.host === view.config.authenticateHost) return this.forwardToAuthn(req, res, ex);
    if (ex.path.charCodeAt(1) === 46 /* '.' */ && view.table.hasHost(ex.host)) {
      if (ex.path === JWKS_PATH) {
        const body = JSON.stringify(this.core.assertions.jwks());
        res.writeHead(200, {
          'content-type': 'application/json',
          'cache-control': 'public, max-age=300',
          'content-length': String(body.length),
        });
        res.end(body);
        return this.core.complete(ex, 200, body.length);
      }
      if (ex.path === '/.pomerium/callback')
        return this.core.complete(ex, await completeHandoff(this.core, res, ex, accept), 0);
      if (ex.path === '/.pomerium/sign_out') return this.core.complete(ex, signOut(this.core, res), 0);
    }
    const admission = await this.admit(req, ex);
    if (!admission.ok) return this.refuse(res, ex, accept, admission);
    const { route, session } = admission;
    const max = view.config.max_request_body_bytes;
    const length = req.headers['content-length'];
    if (max > 0 && length !== undefined && Number(length) > max) {
      return this.refuse(res, ex, accept, tooLarge(max));
    }
    const body = hasBody(req) ? limitBody(req, max) : null;
    const headers = upstreamHeaders({
      incoming: req.headers,
      host: route.isTunnel || route.preserve_host_header ? ex.hostHeader : '',
      forwardedHost: ex.hostHeader,
      clientIp: ex.clientIp,
      cookieName: view.config.cookie_name,
      requestId: ex.id,
      assertion: session
        ? this.core.assertions.get(
            { sessionId: session.id, identity: session.identity },
            ex.host,
            view.config.authenticateHost,
          )
        : undefined,
    });
    const timeouts = {
      headersTimeout: route.timeout ?? DEFAULT_UPSTREAM_HEADERS_TIMEOUT_MS,
      bodyTimeout: route.idle_timeout ?? 0,
    };
    if (route.isTunnel) return this.forwardTunnel(res, ex, route, headers, body, timeouts, accept);
    return this.forwardStatic(res, ex, route, headers, body, timeouts, accept);
  }

  /** Writes a refusal: redirect browsers to sign in, pages for people, short text/JSON for programs. */
  refuse(
    res: AnyResponse,
    ex: Exchange,
    accept: string | undefined,
    a: Exclude<Admission, { ok: true }>,
  ): void {
    if (a.location && wantsHtml(accept)) {
      res.writeHead(302, { location: a.location, 'cache-control': 'no-store', 'content-length': '0' });
      res.end();
      this.core.complete(ex, 302, 0);
      return;
    }
    const { authenticateBase } = this.core.view();
    sendPage(res, accept, {
      status: a.status,
      code: a.code,
      title: a.title,
      message: a.message,
      facts: a.facts,
      actions: a.location
        ? [{ label: 'Sign in', href: a.location }]
        : a.signOut
          ? [
              { label: 'Sign out', href: `https://${ex.hostHeader}/.pomerium/sign_out` },
              { label: 'Your account', href: `${authenticateBase}/.pomerium/` },
            ]
          : undefined,
    });
    this.core.complete(ex, a.status, 0);
  }

  private forwardTunnel(
    res: AnyResponse,
    ex: Exchange,
    route: Route,
    headers: Record<string, string | string[]>,
    body: Readable | null,
    timeouts: { headersTimeout: number; bodyTimeout: number },
    accept: string | undefined,
  ): void {
    const { tunnels, metrics } = this.core;
    let attempts = 0;
    const attempt = (entry: TunnelEntry | undefined): void => {
      if (!entry) {
        this.refuse(res, ex, accept, noUpstream(route));
        return;
      }
      attempts++;
      entry.outstanding++;
      const opts: Dispatcher.DispatchOptions = {
        path: ex.url,
        method: ex.method as Dispatcher.HttpMethod,
        headers,
        body,
        ...timeouts,
      };
      entry.pool.dispatch(
        opts,
        new ResponseRelay(res, (out) => {
          entry.outstanding--;
          if (out.error && !out.started && isDrawbridgeError(out.error, ERR_TUNNEL_DIAL_FAILED)) {
            metrics.tunnelDialFailures.inc();
            tunnels.markBad(entry, isEdgeUnreachable(out.error));
            this.core.ctx.logger.warn(
              { err: out.error, tunnelId: entry.record.id, reqId: ex.id },
              'cannot open a stream through the tunnel',
            );
            // Retrying is safe only while no request body byte can have been consumed.
            const next =
              body === null && attempts < MAX_TUNNEL_ATTEMPTS ? tunnels.pick(route.from, entry) : undefined;
            if (next && next.badUntil <= this.core.ctx.now()) return attempt(next);
            return this.refuse(res, ex, accept, noUpstream(route));
          }
          this.settle(res, ex, accept, out);
        }),
      );
    };
    attempt(tunnels.pick(route.from));
  }

  private forwardStatic(
    res: AnyResponse,
    ex: Exchange,
    route: Route,
    headers: Record<string, string | string[]>,
    body: Readable | null,
    timeouts: { headersTimeout: number; bodyTimeout: number },
    accept: string | undefined,
  ): void {
    const target = new URL(route.toUrls[this.counter % route.toUrls.length] as string);
    if (!headers.host) headers.host = target.host;
    const base = target.pathname === '/' ? '' : target.pathname.replace(/\/$/, '');
    this.core.agent.dispatch(
      {
        origin: target.origin,
        path: base + ex.url,
        method: ex.method as Dispatcher.HttpMethod,
        headers,
        body,
        ...timeouts,
      },
      new ResponseRelay(res, (out) => this.settle(res, ex, accept, out)),
    );
  }

  private forwardToAuthn(req: AnyRequest, res: AnyResponse, ex: Exchange): void {
    const headers = upstreamHeaders({
      incoming: req.headers,
      host: ex.hostHeader,
      forwardedHost: ex.hostHeader,
      clientIp: ex.clientIp,
      // authn reads its own cookie on its own host.
      cookieName: '',
      requestId: ex.id,
    });
    const max = this.core.view().config.max_request_body_bytes;
    this.core.agent.dispatch(
      {
        origin: this.core.deps.authenticateUrl(),
        path: ex.url,
        method: ex.method as Dispatcher.HttpMethod,
        headers,
        body: hasBody(req) ? limitBody(req, max) : null,
      },
      new ResponseRelay(res, (out) => this.settle(res, ex, req.headers.accept, out)),
    );
  }

  /** Maps how a relayed exchange ended to the response (when none was written yet) and the access log. */
  private settle(res: AnyResponse, ex: Exchange, accept: string | undefined, out: RelayOutcome): void {
    if (!out.error || out.started) {
      this.core.complete(ex, out.status || 499, out.bytes);
      return;
    }
    if (res.destroyed || (res as { writableEnded?: boolean }).writableEnded) {
      this.core.complete(ex, 499, 0);
      return;
    }
    if (isDrawbridgeError(out.error, ERR_BODY_TOO_LARGE)) {
      this.refuse(res, ex, accept, tooLarge(this.core.view().config.max_request_body_bytes));
      return;
    }
    this.core.ctx.logger.warn(
      { err: out.error, reqId: ex.id, route: ex.route?.key },
      'upstream request failed',
    );
    sendPage(res, accept, {
      status: 502,
      code: 'DRAWBRIDGE_UPSTREAM_FAILED',
      title: 'Upstream error',
      message:
        'The service behind this address did not answer properly. Try again; if it persists, check that the service is running.',
      facts: [['Request id', ex.id]],
    });
    this.core.complete(ex, 502, 0);
  }
}

function noUpstream(route: Route): Exclude<Admission, { ok: true }> {
  return {
    ok: false,
    status: 503,
    code: ERR_NO_HEALTHY_UPSTREAM,
    title: 'No healthy upstream',
    message: `Nobody is publishing ${route.from} right now. Start the tunnel (ssh -R …) and reload this page.`,
  };
}

function tooLarge(max: number): Exclude<Admission, { ok: true }> {
  return {
    ok: false,
    status: 413,
    code: ERR_BODY_TOO_LARGE,
    title: 'Request too large',
    message: `The request body is larger than this gateway accepts (${max} bytes, max_request_body_bytes).`,
  };
}

function reasonText(reason: string): string {
  switch (reason) {
    case 'denied-by-rule':
      return 'a deny rule of the route policy matched';
    case 'no-matching-allow':
      return 'no allow rule of the route policy matched';
    case 'no-policy':
      return 'the route has no policy allowing anyone';
    default:
      return reason;
  }
}

/** Whether a request carries a body (so it must be streamed, and cannot be retried elsewhere). */
function hasBody(req: AnyRequest): boolean {
  const h2 = (req as Http2ServerRequest).stream;
  if (h2) return !h2.endAfterHeaders;
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** The body stream, cut with ERR_BODY_TOO_LARGE past `max` bytes (0 = unlimited). */
function limitBody(req: AnyRequest, max: number): Readable {
  if (max <= 0) return req;
  let seen = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > max) cb(new ProxyEdgeError(ERR_BODY_TOO_LARGE, `request body exceeds ${max} bytes`));
      else cb(null, chunk);
    },
  });
  req.on('error', (err) => limiter.destroy(err));
  return req.pipe(limiter);
}

function misdirected(host: string, sni: string): Exclude<Admission, { ok: true }> {
  return {
    ok: false,
    status: 421,
    code: 'DRAWBRIDGE_MISDIRECTED_REQUEST',
    title: 'Misdirected request',
    message: `This connection was opened for ${sni}, not ${host}. Retry on a new connection.`,
  };
}
