/** What `update` returns: the new value (undefined deletes) and its TTL. */
export interface StoreWrite {
  value: string | undefined;
  ttlMs?: number;
}

/** One live entry as `list` returns it. */
export interface StoreEntry {
  key: string;
  value: string;
}

/**
 * The storage contract every adapter (memory, file, redis) implements; `Registry` builds typed
 * records on top. Keys are opaque strings built by the registry, values are JSON text.
 * Every method rejects with `RegistryError` (`DRAWBRIDGE_REGISTRY_UNAVAILABLE`) when the backend
 * does not answer, so callers fail closed.
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
   * Atomic read-modify-write: `fn` sees the current value and returns the next (or null to leave it
   * alone). Adapters with several writers compare-and-swap and call `fn` again on a concurrent
   * write, so `fn` must be free of side effects. Returns the value stored afterwards (undefined when
   * deleted or absent).
   */
  update(key: string, fn: (current: string | undefined) => StoreWrite | null): Promise<string | undefined>;
  /** Every live entry whose key starts with `prefix`. */
  list(prefix: string): Promise<StoreEntry[]>;
  /** Resolves when the backend answers; rejects with RegistryError when it does not. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
