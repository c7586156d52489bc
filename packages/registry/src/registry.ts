import type { EdgeRecord, KeyBinding, PendingSignin, Session, TunnelRecord } from '@drawbridge/protocol';
import type { KeyValueStore } from './store.js';

/** How long a tunnel or edge record lives without a heartbeat: a dead edge's tunnels vanish by then. */
export const DEFAULT_HEARTBEAT_TTL_MS = 15_000;
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5_000;

const PREFIX = 'drawbridge:';

/**
 * Key components come from users (emails, hosts, fingerprints): encode them so `:`, `*`, spaces or
 * newlines can never forge another record's key or a pattern.
 */
function k(kind: string, id: string): string {
  return `${PREFIX}${kind}:${encodeURIComponent(id)}`;
}

const parse = <T>(text: string | undefined): T | undefined =>
  text === undefined ? undefined : (JSON.parse(text) as T);

export interface RegistryOptions {
  now?: () => number;
  heartbeatTtlMs?: number;
}

/**
 * Sessions, pending sign-ins, key bindings, tunnels and edges, over any KeyValueStore.
 * @example const reg = new Registry(new MemoryStore()); await reg.putSession(s);
 */
export class Registry {
  readonly store: KeyValueStore;
  private readonly now: () => number;
  readonly heartbeatTtlMs: number;

  constructor(store: KeyValueStore, opts: RegistryOptions = {}) {
    this.store = store;
    this.now = opts.now ?? Date.now;
    this.heartbeatTtlMs = opts.heartbeatTtlMs ?? DEFAULT_HEARTBEAT_TTL_MS;
  }

  private ttlUntil(expiresAt: number): number {
    return Math.max(1, expiresAt - this.now());
  }

  // Sessions
  async putSession(s: Session): Promise<void> {
    await this.store.set(k('session', s.id), JSON.stringify(s), this.ttlUntil(s.expiresAt));
  }
  async getSession(id: string): Promise<Session | undefined> {
    const s = parse<Session>(await this.store.get(k('session', id)));
    return s && s.expiresAt > this.now() ? s : undefined;
  }
  async deleteSession(id: string): Promise<boolean> {
    return this.store.delete(k('session', id));
  }
  async listSessions(): Promise<Session[]> {
    const now = this.now();
    return (await this.store.list(`${PREFIX}session:`))
      .map((e) => JSON.parse(e.value) as Session)
      .filter((s) => s.expiresAt > now);
  }

  // Pending sign-ins
  async createSignin(p: PendingSignin): Promise<boolean> {
    return this.store.setIfAbsent(
      k('signin', p.userCode),
      JSON.stringify(p),
      this.ttlUntil(p.expiresAt) + 60_000,
    );
  }
  async getSignin(code: string): Promise<PendingSignin | undefined> {
    return parse<PendingSignin>(await this.store.get(k('signin', code)));
  }
  /**
   * Atomically moves a sign-in out of `pending`; returns the resolved record, or undefined when it
   * was not pending any more (used, denied, expired, or unknown), so a code can be used once only.
   */
  async resolveSignin(
    code: string,
    fn: (p: PendingSignin) => PendingSignin,
  ): Promise<PendingSignin | undefined> {
    let resolved: PendingSignin | undefined;
    await this.store.update(k('signin', code), (cur) => {
      // Shared adapters call this again after losing a race; only the final attempt counts.
      resolved = undefined;
      const p = parse<PendingSignin>(cur);
      if (p?.status !== 'pending') return null;
      resolved = fn(p);
      return { value: JSON.stringify(resolved), ttlMs: 5 * 60_000 };
    });
    return resolved;
  }

  // Key bindings
  async bindKey(b: KeyBinding): Promise<void> {
    await this.store.set(k('key', b.fingerprint), JSON.stringify(b), this.ttlUntil(b.expiresAt));
  }
  async getKeyBinding(fingerprint: string): Promise<KeyBinding | undefined> {
    const b = parse<KeyBinding>(await this.store.get(k('key', fingerprint)));
    return b && b.expiresAt > this.now() ? b : undefined;
  }
  async unbindKey(fingerprint: string): Promise<boolean> {
    return this.store.delete(k('key', fingerprint));
  }
  async listKeyBindings(): Promise<KeyBinding[]> {
    const now = this.now();
    return (await this.store.list(`${PREFIX}key:`))
      .map((e) => JSON.parse(e.value) as KeyBinding)
      .filter((b) => b.expiresAt > now);
  }

  // Tunnels (heartbeated by the holding ssh-edge)
  async putTunnel(t: TunnelRecord): Promise<void> {
    await this.store.set(k('tunnel', t.id), JSON.stringify(t), this.heartbeatTtlMs);
  }
  async getTunnel(id: string): Promise<TunnelRecord | undefined> {
    return parse<TunnelRecord>(await this.store.get(k('tunnel', id)));
  }
  async deleteTunnel(id: string): Promise<boolean> {
    return this.store.delete(k('tunnel', id));
  }
  async listTunnels(
    filter: { routeFrom?: string; edgeId?: string; state?: TunnelRecord['state'] } = {},
  ): Promise<TunnelRecord[]> {
    return (await this.store.list(`${PREFIX}tunnel:`))
      .map((e) => JSON.parse(e.value) as TunnelRecord)
      .filter(
        (t) =>
          (filter.routeFrom === undefined || t.routeFrom === filter.routeFrom) &&
          (filter.edgeId === undefined || t.edgeId === filter.edgeId) &&
          (filter.state === undefined || t.state === filter.state),
      );
  }

  // Edges
  async heartbeatEdge(e: EdgeRecord): Promise<void> {
    await this.store.set(
      k('edge', e.id),
      JSON.stringify({ ...e, heartbeatAt: this.now() }),
      this.heartbeatTtlMs,
    );
  }
  async getEdge(id: string): Promise<EdgeRecord | undefined> {
    return parse<EdgeRecord>(await this.store.get(k('edge', id)));
  }
  async deleteEdge(id: string): Promise<boolean> {
    return this.store.delete(k('edge', id));
  }
  async listEdges(): Promise<EdgeRecord[]> {
    return (await this.store.list(`${PREFIX}edge:`)).map((e) => JSON.parse(e.value) as EdgeRecord);
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
