import type { Route } from '@drawbridge/config';
import { createRouteIndex, findHttpRoute, type RouteIndex } from '@drawbridge/policy';

/**
 * Host → route lookup compiled once per config generation, with the policy package's matching
 * rules (exact host before `*.` wildcards, then the first route whose prefix/path/regex matches),
 * so proxy-edge and authz always agree on which route a request belongs to.
 */
export class RouteTable {
  private readonly index: RouteIndex<Route>;

  constructor(routes: readonly Route[]) {
    this.index = createRouteIndex(routes.filter((r) => r.fromScheme === 'https' || r.fromScheme === 'http'));
  }

  /** True when some route serves `host` (so a path mismatch is a 404 of that host, not an unknown host). */
  hasHost(host: string): boolean {
    if (this.index.exact.has(host)) return true;
    return this.index.wildcard.some((w) => host.length > w.suffix.length && host.endsWith(w.suffix));
  }

  /** The route for `host` (lowercase, no port) and `path` (without query), or undefined. */
  match(host: string, path: string): Route | undefined {
    return findHttpRoute(this.index, { host, path });
  }
}
