import { createHash } from 'node:crypto';
import type { Logger } from '@drawbridge/log';
import { Redis, type RedisOptions } from 'ioredis';
import {
  ERR_REGISTRY_CONFIG,
  ERR_REGISTRY_CONFLICT,
  ERR_REGISTRY_UNAVAILABLE,
  RegistryError,
} from './errors.js';
import { LIST_SCRIPT, WRITE_SCRIPT } from './lib/redis-scripts.js';
import { parseRedisConnection, type RedisTarget } from './lib/redis-url.js';
import type { KeyValueStore, StoreEntry, StoreWrite } from './store.js';

/** Index sets live under this prefix; store keys may not start with it, so they cannot collide. */
export const REDIS_INDEX_PREFIX = 'drawbridge-index|';
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 3000;
/** How long `open` waits for the first connection before returning a store that fails closed. */
export const DEFAULT_REDIS_CONNECT_WAIT_MS = 5000;
const MAX_UPDATE_ATTEMPTS = 100;

export interface RedisStoreOptions {
  /** `redis://`, `rediss://` or `redis+sentinel://` connection string. */
  connection: string;
  logger?: Logger;
  commandTimeoutMs?: number;
  connectWaitMs?: number;
  /** Reject from `open` when the first connection does not come up (default: log and keep retrying). */
  requireConnection?: boolean;
}

function clientOptions(t: RedisTarget, commandTimeout: number): RedisOptions {
  const common: RedisOptions = {
    username: t.username,
    password: t.password,
    db: t.db,
    connectTimeout: 5000,
    commandTimeout,
    // A few retries ride out a quick Redis restart; then commands fail so callers fail closed.
    maxRetriesPerRequest: 3,
    // Reconnect forever, quickly at first.
    retryStrategy: (times) => Math.min(50 * times, 1000),
    // After a Sentinel failover the old master turns replica: reconnect to find the new one.
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
    lazyConnect: true,
  };
  if (t.sentinel) {
    return {
      ...common,
      sentinels: t.sentinel.sentinels,
      name: t.sentinel.name,
      sentinelPassword: t.sentinel.sentinelPassword,
    };
  }
  return {
    ...common,
    host: t.host,
    port: t.port,
    tls: t.tls ? { servername: t.tls.servername, ca: t.tls.ca } : undefined,
  };
}

/** Every `:`-terminated prefix of a key: the index sets it belongs to. */
function indexKeys(key: string): string[] {
  const out: string[] = [];
  for (let i = key.indexOf(':'); i >= 0; i = key.indexOf(':', i + 1))
    out.push(REDIS_INDEX_PREFIX + key.slice(0, i + 1));
  return out;
}

/** SCAN MATCH treats `*?[]\` as glob syntax; escape them so a prefix matches only itself. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * The shared registry for distributed mode. The only file that imports ioredis; every Redis error
 * becomes a `RegistryError` with `DRAWBRIDGE_REGISTRY_UNAVAILABLE` here.
 * @example const store = await RedisStore.open({ connection: 'redis://127.0.0.1:6379' });
 */
export class RedisStore implements KeyValueStore {
  readonly kind = 'redis' as const;
  private readonly client: Redis;
  private readonly target: RedisTarget;
  private readonly logger?: Logger;
  private readonly shas = new Map<string, string>();
  private lastError: Error | undefined;

  private constructor(opts: RedisStoreOptions) {
    this.target = parseRedisConnection(opts.connection);
    this.logger = opts.logger;
    this.client = new Redis(
      clientOptions(this.target, opts.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS),
    );
    this.client.on('error', (err: Error) => {
      // ioredis repeats the same error on every retry; log transitions only.
      if (this.lastError?.message !== err.message)
        this.logger?.warn({ err, redis: this.target.display }, 'registry redis error');
      this.lastError = err;
    });
    this.client.on('ready', () => {
      if (this.lastError) this.logger?.info({ redis: this.target.display }, 'registry redis connected again');
      this.lastError = undefined;
    });
  }

  /** Connects (waiting up to `connectWaitMs`); afterwards it reconnects by itself forever. */
  static async open(opts: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(opts);
    const wait = opts.connectWaitMs ?? DEFAULT_REDIS_CONNECT_WAIT_MS;
    const connected = store.client.connect().then(
      () => true,
      () => false,
    );
    const ok = await Promise.race([
      connected,
      new Promise<false>((r) => setTimeout(() => r(false), wait).unref()),
    ]);
    if (!ok) {
      const err = store.unavailable('connect', store.lastError);
      if (opts.requireConnection) {
        store.client.disconnect();
        throw err;
      }
      store.logger?.error({ err, redis: store.target.display }, 'registry redis not reachable yet; retrying');
    }
    return store;
  }

  private unavailable(op: string, cause: unknown): RegistryError {
    const why = cause instanceof Error ? cause.message : 'not connected';
    return new RegistryError(
      ERR_REGISTRY_UNAVAILABLE,
      `registry Redis (${this.target.display}) failed to ${op}: ${why}; check that Redis runs and databroker_storage_connection_string is right`,
      { cause, details: { redis: this.target.display } },
    );
  }

  private async run<T>(op: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (err) {
      if (err instanceof RegistryError) throw err;
      throw this.unavailable(op, err);
    }
  }

  private checkKey(key: string): void {
    if (key.startsWith(REDIS_INDEX_PREFIX)) {
      throw new RegistryError(ERR_REGISTRY_CONFIG, `store keys may not start with ${REDIS_INDEX_PREFIX}`);
    }
  }

  /** EVALSHA with a fallback to EVAL the first time (or after a SCRIPT FLUSH / Redis restart). */
  private async script(src: string, keys: string[], args: string[]): Promise<unknown> {
    let sha = this.shas.get(src);
    if (!sha) {
      sha = createHash('sha1').update(src).digest('hex');
      this.shas.set(src, sha);
    }
    try {
      return await this.client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return this.client.eval(src, keys.length, ...keys, ...args);
    }
  }

  private write(key: string, args: string[]): Promise<number> {
    this.checkKey(key);
    return this.script(WRITE_SCRIPT, [key, ...indexKeys(key)], args) as Promise<number>;
  }

  private static ttl(ttlMs: number | undefined): string {
    return ttlMs === undefined ? '' : String(Math.max(1, Math.ceil(ttlMs)));
  }

  async get(key: string): Promise<string | undefined> {
    return this.run('read', async () => (await this.client.get(key)) ?? undefined);
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    await this.run('write', () => this.write(key, ['set', value, RedisStore.ttl(ttlMs), '', '', '']));
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    return this.run(
      'write',
      async () => (await this.write(key, ['nx', value, RedisStore.ttl(ttlMs), '', '', ''])) === 1,
    );
  }

  async delete(key: string): Promise<boolean> {
    return this.run('delete', async () => (await this.write(key, ['del', '', '', '', '', ''])) === 1);
  }

  async update(
    key: string,
    fn: (current: string | undefined) => StoreWrite | null,
  ): Promise<string | undefined> {
    return this.run('update', async () => {
      for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
        const current = (await this.client.get(key)) ?? undefined;
        const next = fn(current);
        if (next === null) return current;
        const action = next.value === undefined ? 'del' : 'set';
        const expected = current === undefined ? ['0', ''] : ['1', current];
        const args = ['cas', next.value ?? '', RedisStore.ttl(next.ttlMs), ...expected, action];
        if ((await this.write(key, args)) === 1) return next.value;
        // Lost the race: back off a little so a crowd of writers spreads out.
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 * (attempt + 1))));
      }
      throw new RegistryError(
        ERR_REGISTRY_CONFLICT,
        `update of a registry record kept conflicting ${MAX_UPDATE_ATTEMPTS} times`,
      );
    });
  }

  async list(prefix: string): Promise<StoreEntry[]> {
    return this.run('list', async () => {
      if (prefix.endsWith(':')) {
        const flat = (await this.script(LIST_SCRIPT, [REDIS_INDEX_PREFIX + prefix], [])) as string[];
        const out: StoreEntry[] = [];
        for (let i = 0; i + 1 < flat.length; i += 2)
          out.push({ key: flat[i] as string, value: flat[i + 1] as string });
        return out;
      }
      return this.scan(prefix);
    });
  }

  /** Fallback for prefixes that are not a `:`-terminated namespace. */
  private async scan(prefix: string): Promise<StoreEntry[]> {
    const out: StoreEntry[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 500);
      cursor = next;
      const wanted = keys.filter((k) => k.startsWith(prefix) && !k.startsWith(REDIS_INDEX_PREFIX));
      if (wanted.length === 0) continue;
      const values = await this.client.mget(...wanted);
      wanted.forEach((key, i) => {
        const value = values[i];
        if (value !== null && value !== undefined) out.push({ key, value });
      });
    } while (cursor !== '0');
    return out;
  }

  async ping(): Promise<void> {
    // Fail fast while disconnected instead of queueing the PING behind a reconnect.
    if (this.client.status !== 'ready') throw this.unavailable('answer', this.lastError);
    await this.run('answer', () => this.client.ping());
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
