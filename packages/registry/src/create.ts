import type { Logger } from '@drawbridge/log';
import { ERR_REGISTRY_CONFIG, RegistryError } from './errors.js';
import { FileStore, fileStoreDir } from './file.js';
import { MemoryStore } from './memory.js';
import { RedisStore } from './redis.js';
import type { KeyValueStore } from './store.js';

export interface StoreSettings {
  /** `databroker_storage_type` (`inmemory` is Pomerium's spelling of memory). */
  type: 'memory' | 'inmemory' | 'file' | 'redis';
  /** `databroker_storage_connection_string`: `file:///dir`, `redis://…`, `rediss://…`, `redis+sentinel://…`. */
  connection?: string;
  logger?: Logger;
}

/**
 * Opens the store the config names.
 * @example const store = await createStore({ type: 'redis', connection: 'redis://127.0.0.1:6379' });
 */
export async function createStore(settings: StoreSettings): Promise<KeyValueStore> {
  switch (settings.type) {
    case 'memory':
    case 'inmemory':
      return new MemoryStore();
    case 'file':
      return FileStore.open({ dir: fileStoreDir(need(settings)), logger: settings.logger });
    case 'redis':
      return RedisStore.open({ connection: need(settings), logger: settings.logger });
    default:
      throw new RegistryError(
        ERR_REGISTRY_CONFIG,
        `databroker_storage_type "${String(settings.type)}" must be memory, file or redis`,
      );
  }
}

function need(settings: StoreSettings): string {
  if (!settings.connection) {
    throw new RegistryError(
      ERR_REGISTRY_CONFIG,
      `databroker_storage_type ${settings.type} needs databroker_storage_connection_string (file:///path or redis://host:6379)`,
    );
  }
  return settings.connection;
}
