import type { AuthzApi, Decision, EvaluateRequest } from '@drawbridge/protocol';
import type { Bus } from '../bus.js';

/** Decisions are reused this long: long enough to absorb a page's burst of asset requests. */
export const DEFAULT_AUTHZ_CACHE_TTL_MS = 1000;
export const DEFAULT_AUTHZ_CACHE_MAX_ENTRIES = 10_000;

export interface AuthzBusClientOptions {
  cacheTtlMs?: number;
  maxEntries?: number;
  /** Per-request timeout; defaults to the bus default. */
  timeoutMs?: number;
  now?: () => number;
}

interface CacheEntry {
  at: number;
  decision: Promise<Decision>;
}

/** Everything a decision can depend on besides the config and the session's contents. */
function cacheKey(req: EvaluateRequest): string {
  const i = req.input;
  return JSON.stringify([
    req.routeFrom,
    req.kind,
    i.identity?.sub,
    i.identity?.email,
    i.http?.method,
    i.http?.host,
    i.http?.path,
    i.sourceIp,
    i.ssh?.username,
    i.ssh?.publicKeyFingerprint,
  ]);
}

/**
 * `AuthzApi` for services in another process than authz: asks over the bus (`authz.evaluate`)
 * and caches each decision for about a second. The cache is dropped whenever a config reload, a
 * session revocation or change, or a bus reconnect (events may have been missed) says it may be wrong.
 * @example const authz = new AuthzBusClient(bus); const d = await authz.evaluate(req);
 */
export class AuthzBusClient implements AuthzApi {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly timeoutMs?: number;
  private readonly now: () => number;
  private readonly stops: Array<() => void>;
  /** Bumped on invalidation so an answer requested before it is not cached after it. */
  private epoch = 0;

  constructor(
    private readonly bus: Bus,
    opts: AuthzBusClientOptions = {},
  ) {
    this.ttlMs = opts.cacheTtlMs ?? DEFAULT_AUTHZ_CACHE_TTL_MS;
    this.maxEntries = opts.maxEntries ?? DEFAULT_AUTHZ_CACHE_MAX_ENTRIES;
    this.timeoutMs = opts.timeoutMs;
    this.now = opts.now ?? Date.now;
    const drop = () => this.invalidate();
    this.stops = [
      bus.subscribe('config.reloaded', drop),
      bus.subscribe('session.revoked', drop),
      bus.subscribe('session.changed', drop),
      bus.onReconnect(drop),
    ];
  }

  evaluate(req: EvaluateRequest): Promise<Decision> {
    const key = cacheKey(req);
    const now = this.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.decision;
    if (hit) this.cache.delete(key);

    const epoch = this.epoch;
    const decision = this.bus.request('authz.evaluate', req, this.timeoutMs);
    // Concurrent identical requests share one round trip; failures are never cached.
    if (this.ttlMs > 0) {
      this.cache.set(key, { at: now, decision });
      if (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
      decision.catch(() => {
        if (this.cache.get(key)?.decision === decision) this.cache.delete(key);
      });
      decision.then(
        () => {
          if (this.epoch !== epoch && this.cache.get(key)?.decision === decision) this.cache.delete(key);
        },
        () => {},
      );
    }
    return decision;
  }

  /** Forgets every cached decision. */
  invalidate(): void {
    this.epoch++;
    this.cache.clear();
  }

  /** Stops listening for invalidation events. */
  close(): void {
    for (const stop of this.stops) stop();
    this.cache.clear();
  }
}
