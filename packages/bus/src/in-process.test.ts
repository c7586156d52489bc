import { InProcessTransport } from './in-process.js';
import { busContract } from './testing/contract.js';

busContract('in-process', async () => {
  const transport = new InProcessTransport();
  return { transport: async () => transport, close: () => transport.close() };
});
