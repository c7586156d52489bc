import type { Duplex } from 'node:stream';
import type { Bus } from '@drawbridge/bus';
import type { Logger } from '@drawbridge/log';
import type { TunnelRecord } from '@drawbridge/protocol';
import type { Registry } from '@drawbridge/registry';
import { Pool } from 'undici';
import { ERR_TUNNEL_DIAL_FAILED, ProxyEdgeError } from '../errors.js';

/** How often the cache is reconciled against the registry (events are the fast path). */
export const DEFAULT_RECONCILE_INTERVAL_MS = 2_000;
/** How long a tunnel whose stream could not be opened is avoided. */
export const DEFAULT_BAD_TUNNEL_MS = 5_000;
/** Pooled keep-alive connections per tunnel; each is one CONNECT / SSH channel. */
export const DEFAULT_CONNECTIONS_PER_TUNNEL = 256;

/** Opens one byte stream to the service behind a tunnel (in-process ssh-edge or data-plane CONNECT). */
export type TunnelStreamOpener = (tunnel: TunnelRecord) => Promise<Duplex>;

/** One attached tunnel as proxy-edge sees it, with its connection pool and load. */
export class TunnelEntry {
  outstanding = 0;
  badUntil = 0;
  draining = false;
  /** When this process learnt about the tunnel. */
  cachedAt = 0;
  private poolInstance: Pool | undefined;

  constructor(
    public record: TunnelRecord,
    private readonly open: TunnelStreamOpener,
  ) {}

  /** The keep-alive pool whose connections are streams through this tunnel (created on first use). */
  get pool(): Pool {
    this.poolInstance ??= new Pool('http://tunnel.invalid', {
      connections: DEFAULT_CONNECTIONS_PER_TUNNEL,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: (_opts, cb) => {
        this.open(this.record).then(
          (stream) => cb(null, stream as never),
          (err: unknown) =>
            cb(
              err instanceof ProxyEdgeError && err.code === ERR_TUNNEL_DIAL_FAILED
                ? err
                : new ProxyEdgeError(
                    ERR_TUNNEL_DIAL_FAILED,
                    `cannot open a stream through tunnel ${this.record.id}`,
                    { cause: err },
                  ),
              null,
            ),
        );
      },
    });
    return this.poolInstance;
  }

  /** A fresh stream outside the pool (WebSockets own their stream for their whole life). */
  openStream(): Promise<Duplex> {
    return this.open(this.record);
  }

  /** Cuts every pooled stream: the tunnel is gone or no longer allowed to serve. */
  destroy(): void {
    this.poolInstance?.destroy().catch(() => {});
    this.poolInstance = undefined;
  }
}

export interface TunnelCacheOptions {
  registry: Registry;
  bus: Bus;
  logger: Logger;
  now: () => number;
  open: TunnelStreamOpener;
  reconcileIntervalMs?: number;
  badTunnelMs?: number;
}

/**
 * Attached tunnels by route `from`, fed by bus events and reconciled with the registry at start,
 * periodically and after a bus reconnect, so requests never wait on a registry round trip.
 */
export class TunnelCache {
  private readonly byId = new Map<string, TunnelEntry>();
  private readonly byRoute = new Map<string, TunnelEntry[]>();
  /** Ids removed by an event, with when: a reconcile that started earlier must not resurrect them. */
  private readonly removedAt = new Map<string, number>();
  private readonly unsubscribe: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> | undefined;
  private turn = 0;

  constructor(private readonly opts: TunnelCacheOptions) {}

  async start(): Promise<void> {
    const { bus } = this.opts;
    this.unsubscribe.push(
      bus.subscribe('tunnel.attached', ({ tunnel }) => {
        this.removedAt.delete(tunnel.id);
        if (tunnel.state === 'attached') this.upsert(tunnel);
      }),
      bus.subscribe('tunnel.detached', ({ tunnel }) => this.remove(tunnel.id)),
      bus.subscribe('tunnel.closed', ({ tunnelId }) => this.remove(tunnelId)),
      bus.subscribe('edge.draining', ({ edgeId, kind }) => {
        if (kind !== 'ssh-edge') return;
        for (const e of this.byId.values()) if (e.record.edgeId === edgeId) e.draining = true;
      }),
      bus.onReconnect(() => void this.reconcile()),
    );
    await this.reconcile();
    this.timer = setInterval(
      () => void this.reconcile(),
      this.opts.reconcileIntervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS,
    );
    this.timer.unref();
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    if (this.timer) clearInterval(this.timer);
    for (const e of this.byId.values()) e.destroy();
    this.byId.clear();
    this.byRoute.clear();
  }

  /** Re-reads attached tunnels from the registry; concurrent calls share one read. */
  reconcile(): Promise<void> {
    this.reconciling ??= this.readRegistry().finally(() => {
      this.reconciling = undefined;
    });
    return this.reconciling;
  }

  private async readRegistry(): Promise<void> {
    const startedAt = this.opts.now();
    let records: TunnelRecord[];
    try {
      records = await this.opts.registry.listTunnels({ state: 'attached' });
    } catch (err) {
      this.opts.logger.warn({ err }, 'cannot list tunnels from the registry; keeping the cached set');
      return;
    }
    const seen = new Set<string>();
    for (const r of records) {
      const removed = this.removedAt.get(r.id);
      if (removed !== undefined && removed >= startedAt) continue;
      this.removedAt.delete(r.id);
      seen.add(r.id);
      this.upsert(r);
    }
    for (const [id, e] of this.byId) {
      // A tunnel announced after the read began is newer than the snapshot; keep it.
      if (!seen.has(id) && e.cachedAt < startedAt) {
        this.remove(id, false);
      }
    }
    const horizon = this.opts.now() - 60_000;
    for (const [id, at] of this.removedAt) if (at < horizon) this.removedAt.delete(id);
  }

  private upsert(record: TunnelRecord): void {
    const existing = this.byId.get(record.id);
    if (existing) {
      existing.record = record;
      return;
    }
    const entry = new TunnelEntry(record, this.opts.open);
    entry.cachedAt = this.opts.now();
    this.byId.set(record.id, entry);
    const list = this.byRoute.get(record.routeFrom);
    if (list) list.push(entry);
    else this.byRoute.set(record.routeFrom, [entry]);
    this.opts.logger.debug(
      { tunnelId: record.id, route: record.routeFrom, edgeId: record.edgeId },
      'tunnel cached',
    );
  }

  /** Drops a tunnel at once (detach/close events) and cuts its pooled streams. */
  remove(id: string, fromEvent = true): void {
    if (fromEvent) this.removedAt.set(id, this.opts.now());
    const entry = this.byId.get(id);
    if (!entry) return;
    this.byId.delete(id);
    const list = this.byRoute.get(entry.record.routeFrom);
    if (list) {
      const rest = list.filter((e) => e !== entry);
      if (rest.length > 0) this.byRoute.set(entry.record.routeFrom, rest);
      else this.byRoute.delete(entry.record.routeFrom);
    }
    entry.destroy();
    this.opts.logger.debug({ tunnelId: id, route: entry.record.routeFrom }, 'tunnel dropped');
  }

  /**
   * The tunnel to use for `routeFrom`: least outstanding requests, preferring healthy and
   * non-draining ones; `exclude` skips tunnels a retry already tried.
   */
  pick(routeFrom: string, exclude?: TunnelEntry): TunnelEntry | undefined {
    const list = this.byRoute.get(routeFrom);
    if (!list) return undefined;
    const now = this.opts.now();
    let best: TunnelEntry | undefined;
    let bestScore = Number.POSITIVE_INFINITY;
    // Start at a rotating offset so equally loaded tunnels take turns (sequential clients always see 0 outstanding).
    const start = this.turn++ % list.length;
    for (let i = 0; i < list.length; i++) {
      const e = list[(start + i) % list.length] as TunnelEntry;
      if (e === exclude) continue;
      // Bad and draining tunnels are still better than none: they may have recovered.
      const score = e.outstanding + (e.badUntil > now ? 1e9 : 0) + (e.draining ? 1e6 : 0);
      if (score < bestScore) {
        best = e;
        bestScore = score;
      }
    }
    return best;
  }

  /**
   * Avoids a tunnel for a while; with `wholeEdge` (its edge refused the connection, so the process
   * is gone) every tunnel that edge holds, at once, instead of one failed request per tunnel until
   * the registry TTL removes them.
   */
  markBad(entry: TunnelEntry, wholeEdge = false): void {
    const until = this.opts.now() + (this.opts.badTunnelMs ?? DEFAULT_BAD_TUNNEL_MS);
    if (!wholeEdge) {
      entry.badUntil = until;
      return;
    }
    for (const e of this.byId.values()) if (e.record.edgeId === entry.record.edgeId) e.badUntil = until;
    entry.badUntil = until;
  }

  /** Attached tunnel count per route, for metrics and `describe()`. */
  counts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [route, list] of this.byRoute) out.set(route, list.length);
    return out;
  }

  /** Every cached tunnel (tests and diagnostics). */
  list(): TunnelRecord[] {
    return [...this.byId.values()].map((e) => e.record);
  }
}
