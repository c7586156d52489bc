import type { KeyValueStore, StoreEntry, StoreWrite } from './store.js';

/** One stored value; `expiresAt` is wall-clock ms so it means the same after a restart. */
export interface MemoryEntry {
  value: string;
  expiresAt: number | undefined;
}

export interface MemoryStoreOptions {
  now?: () => number;
}

/** In-process store: the embedded default. Expired entries vanish on read and on a periodic sweep. */
export class MemoryStore implements KeyValueStore {
  readonly kind: 'memory' | 'file' = 'memory';
  protected readonly entries = new Map<string, MemoryEntry>();
  protected readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(opts: MemoryStoreOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), 5000);
    this.sweeper.unref();
  }

  protected live(key: string): MemoryEntry | undefined {
    const e = this.entries.get(key);
    if (e && e.expiresAt !== undefined && e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** Hook for subclasses that persist (the file store writes behind). */
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
    // Single-threaded and no await between read and write: nothing can interleave.
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
    const out: StoreEntry[] = [];
    for (const key of [...this.entries.keys()]) {
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
