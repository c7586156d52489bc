import type { Route } from '@drawbridge/config';
import type { AuthzApi, Decision, Session } from '@drawbridge/protocol';
import { ERR_AUTHZ_UNAVAILABLE, ProxyEdgeError } from '../errors.js';
import type { ProxyMetrics } from '../ops/metrics.js';

/**
 * How long a decision for the same session, route, method and path is reused. Config reloads and
 * session events clear the cache at once; the TTL only bounds staleness when authz runs elsewhere.
 */
export const DEFAULT_DECISION_CACHE_MS = 500;
const MAX_ENTRIES = 50_000;

export interface AccessQuestion {
  route: Route;
  session: Session | undefined;
  method: string;
  path: string;
  host: string;
  sourceIp: string;
}

/** Asks authz about each request, with a short cache so the hot path rarely waits on a bus round trip. */
export class Authorizer {
  private readonly cache = new Map<string, { decision: Decision; until: number }>();

  constructor(
    private readonly authz: AuthzApi,
    private readonly metrics: ProxyMetrics,
    private readonly now: () => number,
    private readonly cacheMs = DEFAULT_DECISION_CACHE_MS,
  ) {}

  /** The decision for `q`: synchronously from the cache when it holds one, otherwise from authz. */
  decide(q: AccessQuestion): Decision | Promise<Decision> {
    const now = this.now();
    const key = `${q.session?.id ?? ''}\u0000${q.route.key}\u0000${q.method}\u0000${q.path}`;
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.decision;
    return this.ask(q, key, now);
  }

  private async ask(q: AccessQuestion, key: string, now: number): Promise<Decision> {
    const started = performance.now();
    let decision: Decision;
    try {
      decision = await this.authz.evaluate({
        routeFrom: q.route.from,
        kind: 'route',
        input: {
          identity: q.session?.identity,
          http: { method: q.method, path: q.path, host: q.host },
          sourceIp: q.sourceIp,
          now,
        },
      });
    } catch (err) {
      throw new ProxyEdgeError(ERR_AUTHZ_UNAVAILABLE, 'the authorization service did not answer', {
        cause: err,
      });
    }
    this.metrics.authzSeconds.observe((performance.now() - started) / 1000);
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(key, { decision, until: now + this.cacheMs });
    return decision;
  }

  /** Drops every cached decision (config reloaded, a session changed or was revoked). */
  clear(): void {
    this.cache.clear();
  }
}
