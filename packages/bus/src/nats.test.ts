import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startNats } from '../../../test/kit/nats.js';
import { createBus } from './create.js';
import { ERR_BUS_UNAVAILABLE } from './errors.js';
import { NatsTransport } from './nats.js';
import { busContract, SECRET } from './testing/contract.js';

busContract(
  'nats',
  async () => {
    const nats = await startNats();
    const transports: NatsTransport[] = [];
    return {
      async transport() {
        const t = await NatsTransport.connect({ url: nats.url, reconnectWaitMs: 100 });
        transports.push(t);
        return t;
      },
      restart: () => nats.restart(),
      async close() {
        await Promise.allSettled(transports.map((t) => t.close()));
        await nats.stop();
      },
    };
  },
  { restart: true },
);

test('createBus picks NATS for nats_url and fails clearly when nothing listens there', async () => {
  const nats = await startNats();
  try {
    const bus = await createBus({ natsUrl: nats.url, sharedSecret: SECRET, origin: 'test@1' });
    assert.equal(bus.transport.kind, 'nats');
    await bus.ping();
    await bus.close();
    const port = nats.port;
    await nats.kill();
    await assert.rejects(
      createBus({
        natsUrl: `nats://127.0.0.1:${port}`,
        sharedSecret: SECRET,
        origin: 'test@1',
        connectTimeoutMs: 1000,
      }),
      (err: Error & { code?: string }) =>
        err.code === ERR_BUS_UNAVAILABLE && err.message.includes('nats_url'),
    );
  } finally {
    await nats.stop();
  }
});

test('createBus without nats_url stays in-process', async () => {
  const bus = await createBus({ sharedSecret: SECRET, origin: 'test@1' });
  assert.equal(bus.transport.kind, 'in-process');
  await bus.close();
});
