/** What `update` returns: the new value (undefined deletes) and its TTL. */
export interface StoreWrite {
  value: string | undefined;
  ttlMs?: number;
}

/**
 * The storage contract every adapter (memory, file, redis) implements; `Registry` builds typed
 * records on top. Keys are opaque strings built by the registry, values are JSON text.
 */
export interface KeyValueStore {
  readonly kind: 'memory' | 'file' | 'redis';
  get(key: string): Promise<string | undefined>;
  /** `ttlMs` undefined = no expiry. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Writes only when the key is absent; true when written. */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  /**
   * Atomic read-modify-write: `fn` sees the current value and returns the next; retried on a
   * concurrent write. Returns the value written (undefined when deleted or unchanged by `fn` returning null).
   */
  update(key: string, fn: (current: string | undefined) => StoreWrite | null): Promise<string | undefined>;
  /** Every live entry whose key starts with `prefix`. */
  list(prefix: string): Promise<Array<{ key: string; value: string }>>;
  /** Resolves when the backend answers; rejects with RegistryError when it does not. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
