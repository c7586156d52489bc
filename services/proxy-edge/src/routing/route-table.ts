import type { Route } from '@drawbridge/config';

interface Candidate {
  route: Route;
  regex?: RegExp;
}

/**
 * Host → route lookup compiled once per config generation. `from` hosts match exactly or, for
 * `*.example.com`, any single leading label; within a host, routes are tried in config order with
 * their `prefix` / `path` / `regex` (full-path match, as Pomerium's Envoy does).
 */
export class RouteTable {
  private readonly exact = new Map<string, Candidate[]>();
  private readonly wildcard = new Map<string, Candidate[]>();

  constructor(routes: readonly Route[]) {
    for (const route of routes) {
      if (route.fromScheme !== 'https' && route.fromScheme !== 'http') continue;
      const c: Candidate = {
        route,
        regex: route.regex === undefined ? undefined : new RegExp(`^(?:${route.regex})$`),
      };
      const host = route.fromHost;
      const [map, key] = host.startsWith('*.') ? [this.wildcard, host.slice(1)] : [this.exact, host];
      const list = map.get(key);
      if (list) list.push(c);
      else map.set(key, [c]);
    }
  }

  /** True when some route serves `host` (so a path mismatch is a 404 of that host, not an unknown host). */
  hasHost(host: string): boolean {
    return this.exact.has(host) || this.wildcard.has(suffixOf(host));
  }

  /** The route for `host` (lowercase, no port) and `path` (without query), or undefined. */
  match(host: string, path: string): Route | undefined {
    return pick(this.exact.get(host), path) ?? pick(this.wildcard.get(suffixOf(host)), path);
  }
}

function suffixOf(host: string): string {
  const dot = host.indexOf('.');
  return dot < 0 ? '' : host.slice(dot);
}

function pick(list: Candidate[] | undefined, path: string): Route | undefined {
  if (!list) return undefined;
  for (const c of list) {
    const r = c.route;
    if (r.prefix !== undefined && !path.startsWith(r.prefix)) continue;
    if (r.path !== undefined && path !== r.path) continue;
    if (c.regex && !c.regex.test(path)) continue;
    return r;
  }
  return undefined;
}
