import type { KeyValueStore, StoreWrite } from './store.js';

interface Entry {
  value: string;
  expiresAt: number | undefined;
}

export interface MemoryStoreOptions {
  now?: () => number;
}

/** In-process store: the embedded default. Expired entries vanish on read and on a periodic sweep. */
export class MemoryStore implements KeyValueStore {
  readonly kind: 'memory' | 'file' = 'memory';
  protected readonly entries = new Map<string, Entry>();
  protected readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(opts: MemoryStoreOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), 5000);
    this.sweeper.unref();
  }

  protected live(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && e.expiresAt !== undefined && e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  protected changed(): void {}

  async get(key: string) {
    return this.live(key)?.value;
  }

  async set(key: string, value: string, ttlMs?: number) {
    this.entries.set(key, { value, expiresAt: ttlMs === undefined ? undefined : this.now() + ttlMs });
    this.changed();
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number) {
    if (this.live(key)) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  async delete(key: string) {
    const had = this.live(key) !== undefined;
    this.entries.delete(key);
    if (had) this.changed();
    return had;
  }

  async update(key: string, fn: (current: string | undefined) => StoreWrite | null) {
    // Single-threaded: nothing can interleave between this read and write.
    const next = fn(this.live(key)?.value);
    if (next === null) return this.live(key)?.value;
    if (next.value === undefined) {
      await this.delete(key);
      return undefined;
    }
    await this.set(key, next.value, next.ttlMs);
    return next.value;
  }

  async list(prefix: string) {
    const out: Array<{ key: string; value: string }> = [];
    for (const key of this.entries.keys()) {
      if (!key.startsWith(prefix)) continue;
      const e = this.live(key);
      if (e) out.push({ key, value: e.value });
    }
    return out;
  }

  async ping() {}

  async close() {
    clearInterval(this.sweeper);
  }

  private sweep() {
    for (const key of [...this.entries.keys()]) this.live(key);
  }
}
