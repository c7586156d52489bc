import { MemoryStore } from './memory.js';
import { registryContract } from './testing/contract.js';

registryContract('memory', async () => {
  const store = new MemoryStore();
  return { store: () => store, peer: async () => store, persistent: false, close: () => store.close() };
});
