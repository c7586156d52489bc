import { pathMatcher } from './lib/path-matcher.js';
import type { RouteLike } from './types.js';

interface IndexedRoute<R extends RouteLike> {
  route: R;
  /** Order in the config: the first matching route wins, as in Pomerium. */
  order: number;
  matchPath: (path: string) => boolean;
}

/** Routes arranged for lookups by host: exact names in a Map, `*.` wildcards longest suffix first. */
export interface RouteIndex<R extends RouteLike = RouteLike> {
  readonly routes: readonly R[];
  readonly exact: ReadonlyMap<string, readonly IndexedRoute<R>[]>;
  readonly wildcard: readonly { suffix: string; entries: readonly IndexedRoute<R>[] }[];
}

/** True when `pattern` (a route's from host, maybe `*.example.com`) covers `host`. */
export function matchHost(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = stripPort(host).toLowerCase();
  if (p.startsWith('*.')) return h.length > p.length - 1 && h.endsWith(p.slice(1));
  return p === h;
}

function stripPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end >= 0 ? host.slice(0, end + 1) : host;
  }
  const colon = host.indexOf(':');
  return colon >= 0 && host.indexOf(':', colon + 1) < 0 ? host.slice(0, colon) : host;
}

function portOf(host: string): number | undefined {
  const m = host.startsWith('[') ? /\]:(\d+)$/.exec(host) : /^[^:]*:(\d+)$/.exec(host);
  return m ? Number(m[1]) : undefined;
}

/** Builds the lookup structure once per config generation. */
export function createRouteIndex<R extends RouteLike>(routes: readonly R[]): RouteIndex<R> {
  const exact = new Map<string, IndexedRoute<R>[]>();
  const wild = new Map<string, IndexedRoute<R>[]>();
  routes.forEach((route, order) => {
    const entry: IndexedRoute<R> = { route, order, matchPath: pathMatcher(route) };
    const host = route.fromHost.toLowerCase();
    const target = host.startsWith('*.') ? wild : exact;
    const key = host.startsWith('*.') ? host.slice(1) : host;
    const list = target.get(key);
    if (list) list.push(entry);
    else target.set(key, [entry]);
  });
  const wildcard = [...wild.entries()]
    .map(([suffix, entries]) => ({ suffix, entries }))
    .sort((a, b) => b.suffix.length - a.suffix.length);
  return { routes, exact, wildcard };
}

function candidates<R extends RouteLike>(
  index: RouteIndex<R>,
  hostname: string,
): (readonly IndexedRoute<R>[])[] {
  const out: (readonly IndexedRoute<R>[])[] = [];
  const e = index.exact.get(hostname);
  if (e) out.push(e);
  for (const w of index.wildcard) {
    if (hostname.length > w.suffix.length && hostname.endsWith(w.suffix)) out.push(w.entries);
  }
  return out;
}

/**
 * The route serving an HTTP request: exact host before wildcards (longest suffix first), then the
 * first route in config order whose prefix/path/regex matches. A port in `host` prefers routes
 * whose `from` names that port, but a route on the default port still matches (dev listens on :8443).
 */
export function findHttpRoute<R extends RouteLike>(
  index: RouteIndex<R>,
  req: { host: string; path: string },
): R | undefined {
  const hostname = stripPort(req.host).toLowerCase();
  const port = portOf(req.host);
  const q = req.path.indexOf('?');
  const path = q >= 0 ? req.path.slice(0, q) : req.path;
  let fallback: R | undefined;
  for (const list of candidates(index, hostname)) {
    for (const entry of list) {
      if (entry.route.fromScheme !== 'https' && entry.route.fromScheme !== 'http') continue;
      if (!entry.matchPath(path)) continue;
      if (port === undefined || entry.route.fromPort === port) return entry.route;
      fallback ??= entry.route;
    }
    if (fallback) return fallback;
  }
  return fallback;
}

/**
 * The tunnel route a `tcpip-forward` asks for: only routes with `upstream_tunnel`; bind port 0 means
 * any, otherwise it must equal the route's port (443 for https, 80 for http unless `from` names one).
 */
export function findTunnelRoute<R extends RouteLike>(
  index: RouteIndex<R>,
  bindHost: string,
  bindPort: number,
): R | undefined {
  const hostname = bindHost.toLowerCase();
  for (const list of candidates(index, hostname)) {
    for (const entry of list) {
      const r = entry.route;
      if (r.upstream_tunnel === undefined) continue;
      // `ssh -R host:443:…` names the scheme's port even when the public listener is elsewhere (:8443).
      const schemePort = r.fromScheme === 'http' ? 80 : 443;
      if (bindPort === 0 || bindPort === schemePort || bindPort === r.fromPort) return r;
    }
  }
  return undefined;
}
