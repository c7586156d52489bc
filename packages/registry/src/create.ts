import type { Logger } from '@drawbridge/log';
import { MemoryStore } from './memory.js';
import type { KeyValueStore } from './store.js';

export interface StoreSettings {
  /** `databroker_storage_type`. */
  type: 'memory' | 'file' | 'redis';
  /** `databroker_storage_connection_string`. */
  connection?: string;
  logger?: Logger;
}

/** Opens the store the config names. */
export async function createStore(settings: StoreSettings): Promise<KeyValueStore> {
  switch (settings.type) {
    case 'memory':
      return new MemoryStore();
    default:
      // TODO(issue 8): file and redis adapters.
      return new MemoryStore();
  }
}
