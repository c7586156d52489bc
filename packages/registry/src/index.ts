export { type KeyValueStore, type StoreWrite } from './store.js';
export { MemoryStore, type MemoryStoreOptions } from './memory.js';
export { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_HEARTBEAT_TTL_MS, Registry, type RegistryOptions } from './registry.js';
export { ERR_REGISTRY_CONFLICT, ERR_REGISTRY_UNAVAILABLE, RegistryError } from './errors.js';
export { createStore, type StoreSettings } from './create.js';
