export { createStore, type StoreSettings } from './create.js';
export {
  ERR_REGISTRY_CONFIG,
  ERR_REGISTRY_CONFLICT,
  ERR_REGISTRY_UNAVAILABLE,
  RegistryError,
} from './errors.js';
export { DEFAULT_FLUSH_DELAY_MS, FILE_STORE_NAME, FileStore, type FileStoreOptions } from './file.js';
export { MemoryStore, type MemoryStoreOptions } from './memory.js';
export {
  DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
  DEFAULT_REDIS_CONNECT_WAIT_MS,
  REDIS_INDEX_PREFIX,
  RedisStore,
  type RedisStoreOptions,
} from './redis.js';
export {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_HEARTBEAT_TTL_MS,
  Registry,
  type RegistryOptions,
} from './registry.js';
export type { KeyValueStore, StoreEntry, StoreWrite } from './store.js';
