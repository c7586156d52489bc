import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBus } from '@drawbridge/bus';
import { MemoryStore, Registry } from '@drawbridge/registry';
import { dependenciesReady } from './dependencies.js';

const SECRET = Buffer.alloc(32, 7).toString('base64');

test('ready when the registry and the bus both answer', async () => {
  const registry = new Registry(new MemoryStore());
  const bus = await createBus({ sharedSecret: SECRET, origin: 'test' });
  assert.deepEqual(await dependenciesReady({ registry, bus }), { registry: true, bus: true });
});

test('not ready while the registry rejects its ping, or the bus does not answer within the timeout', async () => {
  const store = new MemoryStore();
  store.ping = () => Promise.reject(new Error('down'));
  const bus = await createBus({ sharedSecret: SECRET, origin: 'test' });
  bus.ping = () => new Promise(() => {});
  const started = Date.now();
  const state = await dependenciesReady({ registry: new Registry(store), bus }, 100);
  assert.deepEqual(state, { registry: false, bus: false });
  assert.ok(Date.now() - started < 1_000, 'a hanging ping is bounded by the timeout');
});
