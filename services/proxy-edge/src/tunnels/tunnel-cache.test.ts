import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { createBus } from '@drawbridge/bus';
import { createLogger } from '@drawbridge/log';
import type { TunnelRecord } from '@drawbridge/protocol';
import { MemoryStore, Registry } from '@drawbridge/registry';
import { connectThroughDataPlane, isEdgeUnreachable } from './data-plane-connect.js';
import { TunnelCache } from './tunnel-cache.js';

const SECRET = Buffer.alloc(32, 3).toString('base64');

function tunnel(
  id: string,
  edgeId: string,
  routeFrom: string,
  dataPlaneAddress = '127.0.0.1:1',
): TunnelRecord {
  const now = Date.now();
  return {
    id,
    edgeId,
    dataPlaneAddress,
    routeFrom,
    bindHost: new URL(routeFrom).hostname,
    bindPort: 443,
    identity: { sub: 'a', email: 'a@example.com', groups: [], claims: {} } as never,
    connectionId: `c-${id}`,
    clientAddress: '127.0.0.1',
    state: 'attached',
    generation: 1,
    connectedAt: now,
    heartbeatAt: now,
    requests: 0,
  };
}

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

test('a refused data-plane CONNECT marks every tunnel of that edge bad at once; picks move to the other edge', async () => {
  const registry = new Registry(new MemoryStore());
  const bus = await createBus({ sharedSecret: SECRET, origin: 'test' });
  const dead = `127.0.0.1:${await closedPort()}`;
  for (const t of [
    tunnel('a1', 'edge-a', 'https://one.localhost', dead),
    tunnel('a2', 'edge-a', 'https://two.localhost', dead),
    tunnel('b1', 'edge-b', 'https://one.localhost'),
    tunnel('b2', 'edge-b', 'https://two.localhost'),
  ])
    await registry.putTunnel(t);
  const cache = new TunnelCache({
    registry,
    bus,
    logger: createLogger({ name: 'test', level: 'silent' }),
    now: Date.now,
    open: () => Promise.reject(new Error('not used')),
  });
  await cache.start();
  try {
    const refused = await connectThroughDataPlane(
      tunnel('a1', 'edge-a', 'https://one.localhost', dead),
      SECRET,
    )
      .then(() => undefined)
      .catch((err: unknown) => err);
    assert.ok(refused, 'the CONNECT to a closed port fails');
    assert.equal(isEdgeUnreachable(refused), true, 'a refused connection means the edge is gone');
    assert.equal(isEdgeUnreachable(new Error('HTTP 503')), false);

    const first = (() => {
      for (;;) {
        const e = cache.pick('https://one.localhost');
        if (e?.record.edgeId === 'edge-a') return e;
      }
    })();
    cache.markBad(first, isEdgeUnreachable(refused));
    for (let i = 0; i < 4; i++) {
      assert.equal(cache.pick('https://one.localhost')?.record.edgeId, 'edge-b');
      assert.equal(
        cache.pick('https://two.localhost')?.record.edgeId,
        'edge-b',
        'the same edge’s tunnel for another route is avoided without a failed request of its own',
      );
    }
  } finally {
    cache.stop();
    await bus.close();
  }
});
