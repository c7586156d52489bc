import type { Decision, DecisionReason, EvaluateRequest } from '@drawbridge/protocol';
import { compileParsedPolicy } from './compile.js';
import { formatPolicyPath, PolicyError } from './errors.js';
import { pathMatcher } from './lib/path-matcher.js';
import { parsePolicy } from './parse.js';
import { createRouteIndex, findHttpRoute, findTunnelRoute, type RouteIndex } from './route-match.js';
import type { CompiledPolicy, PolicyIssue, PolicyResult, RouteLike } from './types.js';

/** Every route's two policies, compiled for one config generation. */
export interface PolicyEngine<R extends RouteLike = RouteLike> {
  readonly generation: number;
  readonly index: RouteIndex<R>;
  /** Synchronous, no I/O; `generation` is in every decision. */
  evaluate(req: EvaluateRequest): Decision;
  /** The route a `routeFrom` (its `from` URL or key) names; `path` picks among routes sharing one `from`. */
  routeFor(routeFrom: string, path?: string): R | undefined;
  findHttpRoute(req: { host: string; path: string }): R | undefined;
  findTunnelRoute(bindHost: string, bindPort: number): R | undefined;
}

export interface PolicyEngineOptions {
  generation: number;
}

interface CompiledRoute<R> {
  route: R;
  matchPath: (path: string) => boolean;
  /** Who may visit; undefined when the route has neither a policy nor a public flag. */
  visitor?: () => CompiledPolicy;
  /** Who may publish; undefined for a tunnel route without ssh_policy (nobody may). */
  ssh?: () => CompiledPolicy;
}

/**
 * Parsing (which finds every error) happens when the engine is built; turning a parsed policy into
 * closures waits for its first decision, so a reload of a thousand routes stays fast and routes
 * nobody visits cost nothing.
 */
function lazy(make: () => CompiledPolicy): () => CompiledPolicy {
  let compiled: CompiledPolicy | undefined;
  return () => {
    compiled ??= make();
    return compiled;
  };
}

/** `https://a.example.com/` and `https://A.example.com` name the same route. */
function normalizeFrom(from: string): string {
  try {
    const u = new URL(from);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`.toLowerCase();
  } catch {
    return from.toLowerCase();
  }
}

function hasRules(raw: unknown): boolean {
  return raw !== undefined && raw !== null && !(Array.isArray(raw) && raw.length === 0);
}

/**
 * Compiles every route's `policy` and `upstream_tunnel.ssh_policy`. A route with no policy and no
 * public flag lets nobody in (`no-policy`), as in Pomerium; a tunnel route without `ssh_policy` lets
 * nobody publish. Throws one PolicyError listing every issue of every route.
 */
export function createPolicyEngine<R extends RouteLike>(
  routes: readonly R[],
  opts: PolicyEngineOptions,
): PolicyEngine<R> {
  const { generation } = opts;
  const issues: PolicyIssue[] = [];
  const byFrom = new Map<string, CompiledRoute<R>[]>();

  const compile = (
    raw: unknown,
    base: (string | number)[],
    from: string,
    flags?: R,
  ): (() => CompiledPolicy) | undefined => {
    const parsed = parsePolicy(raw);
    if (parsed.issues.length > 0) {
      for (const i of parsed.issues) {
        issues.push({ ...i, path: [...base, ...i.path], message: `route ${from}: ${i.message}` });
      }
      return undefined;
    }
    const opts = {
      allowPublicUnauthenticatedAccess: flags?.allow_public_unauthenticated_access === true,
      allowAnyAuthenticatedUser: flags?.allow_any_authenticated_user === true,
    };
    return lazy(() => compileParsedPolicy(parsed.policy, opts));
  };

  routes.forEach((route, i) => {
    const publicFlag =
      route.allow_public_unauthenticated_access === true || route.allow_any_authenticated_user === true;
    const compiled: CompiledRoute<R> = {
      route,
      matchPath: pathMatcher(route),
      visitor:
        hasRules(route.policy) || publicFlag
          ? compile(route.policy, ['routes', i, 'policy'], route.from, route)
          : undefined,
      ssh: hasRules(route.upstream_tunnel?.ssh_policy)
        ? compile(
            route.upstream_tunnel?.ssh_policy,
            ['routes', i, 'upstream_tunnel', 'ssh_policy'],
            route.from,
          )
        : undefined,
    };
    for (const key of new Set([route.from, normalizeFrom(route.from), route.key ?? route.from])) {
      const list = byFrom.get(key);
      if (list) list.push(compiled);
      else byFrom.set(key, [compiled]);
    }
  });
  if (issues.length > 0) {
    throw new PolicyError(issues, {
      context: `${issues.length} policy problem(s), first at ${formatPolicyPath(issues[0]!.path)}`,
    });
  }

  const index = createRouteIndex(routes);
  const fixed = (reason: DecisionReason): Decision => Object.freeze({ allow: false, reason, generation });
  const NOT_FOUND = fixed('route-not-found');
  const NO_POLICY = fixed('no-policy');

  const lookup = (routeFrom: string, path: string | undefined): CompiledRoute<R> | undefined => {
    const list = byFrom.get(routeFrom) ?? byFrom.get(normalizeFrom(routeFrom));
    if (!list) return undefined;
    if (list.length === 1 || path === undefined) return list[0];
    const q = path.indexOf('?');
    const p = q >= 0 ? path.slice(0, q) : path;
    return list.find((c) => c.matchPath(p)) ?? list[0];
  };

  const decide = (r: PolicyResult): Decision => {
    const d: Decision = { allow: r.allow, reason: r.reason, generation };
    if (r.rule !== undefined) d.rule = r.rule;
    if (r.criterion !== undefined) d.criterion = r.criterion;
    return d;
  };

  return Object.freeze({
    generation,
    index,
    evaluate(req: EvaluateRequest): Decision {
      const c = lookup(req.routeFrom, req.input.http?.path);
      if (!c) return NOT_FOUND;
      if (req.kind === 'ssh') {
        if (c.route.upstream_tunnel === undefined) return NOT_FOUND;
        return c.ssh ? decide(c.ssh().evaluate(req.input)) : NO_POLICY;
      }
      return c.visitor ? decide(c.visitor().evaluate(req.input)) : NO_POLICY;
    },
    routeFor: (routeFrom: string, path?: string) => lookup(routeFrom, path)?.route,
    findHttpRoute: (req: { host: string; path: string }) => findHttpRoute(index, req),
    findTunnelRoute: (bindHost: string, bindPort: number) => findTunnelRoute(index, bindHost, bindPort),
  });
}
