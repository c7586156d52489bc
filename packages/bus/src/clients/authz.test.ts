import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Decision, EvaluateRequest } from '@drawbridge/protocol';
import { startNats } from '../../../../test/kit/nats.js';
import { Bus } from '../bus.js';
import { InProcessTransport } from '../in-process.js';
import { NatsTransport } from '../nats.js';
import { AuthzBusClient } from './authz.js';

const SECRET = 'authz-client-test-secret-0123456789abcdef';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A responder that allows alice on GET only and counts how often it was asked. */
function serveDecisions(bus: Bus) {
  const state = { calls: 0, generation: 1, fail: false };
  const stop = bus.handle('authz.evaluate', async (req): Promise<Decision> => {
    state.calls++;
    if (state.fail) throw new Error('engine unavailable');
    const ok = req.input.identity?.email === 'alice@example.com' && req.input.http?.method === 'GET';
    return { allow: ok, reason: ok ? 'allowed' : 'no-matching-allow', generation: state.generation };
  });
  return { state, stop };
}

function req(email: string, path = '/', method = 'GET'): EvaluateRequest {
  return {
    routeFrom: 'https://hello.example.com',
    kind: 'route',
    input: {
      identity: { sub: email, email, groups: [], claims: {} },
      http: { method, path, host: 'hello.example.com' },
      sourceIp: '127.0.0.1',
      now: Date.now(),
    },
  };
}

test('reuses a decision within its TTL and asks again after it', async () => {
  const t = new InProcessTransport();
  const server = new Bus({ transport: t, sharedSecret: SECRET, origin: 'authz@1' });
  const { state } = serveDecisions(server);
  let now = 1_000;
  const client = new AuthzBusClient(new Bus({ transport: t, sharedSecret: SECRET, origin: 'proxy-edge@1' }), {
    now: () => now,
  });
  assert.equal((await client.evaluate(req('alice@example.com'))).allow, true);
  assert.equal((await client.evaluate(req('alice@example.com'))).allow, true);
  assert.equal(state.calls, 1);
  assert.equal(
    (await client.evaluate(req('alice@example.com', '/other'))).allow,
    true,
    'another path is another decision',
  );
  assert.equal((await client.evaluate(req('bob@example.com'))).allow, false);
  assert.equal((await client.evaluate(req('alice@example.com', '/', 'POST'))).allow, false);
  assert.equal(state.calls, 4);
  now += 1_001;
  await client.evaluate(req('alice@example.com'));
  assert.equal(state.calls, 5);
  await Promise.all([client.evaluate(req('carol@example.com')), client.evaluate(req('carol@example.com'))]);
  assert.equal(state.calls, 6, 'concurrent identical requests share one round trip');
  client.close();
});

test('never caches a failure', async () => {
  const t = new InProcessTransport();
  const { state } = serveDecisions(new Bus({ transport: t, sharedSecret: SECRET, origin: 'authz@1' }));
  const client = new AuthzBusClient(new Bus({ transport: t, sharedSecret: SECRET, origin: 'proxy-edge@1' }));
  state.fail = true;
  await assert.rejects(client.evaluate(req('alice@example.com')));
  state.fail = false;
  assert.equal((await client.evaluate(req('alice@example.com'))).allow, true);
  client.close();
});

test('drops cached decisions on config.reloaded, session.revoked and session.changed from another process', async () => {
  const nats = await startNats();
  const transports: NatsTransport[] = [];
  const bus = async (origin: string) => {
    const t = await NatsTransport.connect({ url: nats.url });
    transports.push(t);
    return new Bus({ transport: t, sharedSecret: SECRET, origin });
  };
  try {
    const { state } = serveDecisions(await bus('authz@1'));
    const client = new AuthzBusClient(await bus('proxy-edge@1'), { cacheTtlMs: 60_000 });
    const authn = await bus('authn@1');
    await sleep(100);
    const events = [
      () => authn.publish('config.reloaded', { generation: 2, source: 'test' }),
      () => authn.publish('session.revoked', { sessionId: 's1', reason: 'operator' }),
      () => authn.publish('session.changed', { sessionId: 's1' }),
    ];
    await client.evaluate(req('alice@example.com'));
    let expected = 1;
    for (const fire of events) {
      await client.evaluate(req('alice@example.com'));
      assert.equal(state.calls, expected, 'served from cache');
      await fire();
      const deadline = Date.now() + 2000;
      while (state.calls === expected && Date.now() < deadline) {
        await client.evaluate(req('alice@example.com'));
        await sleep(20);
      }
      expected++;
      assert.equal(state.calls, expected, 'asked again after the event');
    }
    client.close();
  } finally {
    await Promise.allSettled(transports.map((t) => t.close()));
    await nats.stop();
  }
});
