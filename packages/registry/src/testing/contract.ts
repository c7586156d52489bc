import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Identity, PendingSignin, Session, TunnelRecord } from '@drawbridge/protocol';
import { ERR_REGISTRY_UNAVAILABLE, RegistryError } from '../errors.js';
import { Registry } from '../registry.js';
import type { KeyValueStore } from '../store.js';

/** One backend under test, opened by `registryContract` before its cases and closed after. */
export interface ContractFixture {
  /** The store the cases use (after `restart`, the reopened one). */
  store(): KeyValueStore;
  /** Another client on the same data (a second connection for Redis; the same object for in-process stores). */
  peer(): Promise<KeyValueStore>;
  /** Restarts the backend (file: reopen from disk; redis: restart redis-server on the same port). */
  restart?(): Promise<void>;
  /** Whether data written before `restart` must still be there after it. */
  persistent: boolean;
  /** Takes the backend away and brings it back, to prove operations fail closed meanwhile. */
  outage?: { down(): Promise<void>; up(): Promise<void> };
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
/** A fresh namespace per case, so cases sharing one backend never see each other's keys. */
const ns = () => `c${process.pid}x${Date.now().toString(36)}${seq++}:`;

const alice: Identity = { sub: 'u-alice', email: 'alice@example.com', groups: [], claims: {} };

function signin(code: string): PendingSignin {
  const now = Date.now();
  return {
    userCode: code,
    clientAddress: '127.0.0.1',
    sshUsername: 'alice',
    edgeId: 'edge-a',
    createdAt: now,
    expiresAt: now + 60_000,
    status: 'pending',
  };
}

function session(id: string): Session {
  const now = Date.now();
  return { id, identity: alice, createdAt: now, expiresAt: now + 60_000, origin: 'browser' };
}

function tunnel(id: string, edgeId: string, routeFrom: string): TunnelRecord {
  const now = Date.now();
  return {
    id,
    edgeId,
    dataPlaneAddress: '127.0.0.1:1',
    routeFrom,
    bindHost: 'hello.localhost.test',
    bindPort: 443,
    identity: alice,
    connectionId: `conn-${id}`,
    clientAddress: '127.0.0.1',
    state: 'attached',
    generation: 1,
    connectedAt: now,
    heartbeatAt: now,
    requests: 0,
  };
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  assert.fail(`${what} did not happen within ${timeoutMs} ms`);
}

/** Optional cases, declared up front because node:test decides skips before fixtures exist. */
export interface ContractCapabilities {
  restart?: boolean;
  outage?: boolean;
}

/**
 * The behaviour every KeyValueStore adapter must show; each adapter's test file calls this once.
 * @example registryContract('memory', async () => ({ store: () => s, peer: async () => s, persistent: false, close: () => s.close() }));
 */
export function registryContract(
  name: string,
  makeFixture: () => Promise<ContractFixture>,
  capabilities: ContractCapabilities = {},
): void {
  describe(`registry contract: ${name}`, () => {
    let fx: ContractFixture;
    before(async () => {
      fx = await makeFixture();
    });
    after(async () => {
      await fx?.close();
    });
    const answers = async () => {
      await fx.store().ping();
      return true;
    };

    test('stores, reads and deletes a value', async () => {
      const s = fx.store();
      const k = `${ns()}a`;
      assert.equal(await s.get(k), undefined);
      await s.set(k, '{"x":1}');
      assert.equal(await s.get(k), '{"x":1}');
      assert.equal(await s.delete(k), true);
      assert.equal(await s.delete(k), false);
      assert.equal(await s.get(k), undefined);
    });

    test('an entry vanishes when its TTL runs out, also from list', async () => {
      const s = fx.store();
      const p = ns();
      await s.set(`${p}short`, 'a', 150);
      await s.set(`${p}long`, 'b', 60_000);
      assert.equal(await s.get(`${p}short`), 'a');
      await sleep(400);
      assert.equal(await s.get(`${p}short`), undefined);
      assert.deepEqual(
        (await s.list(p)).map((e) => e.key),
        [`${p}long`],
      );
    });

    test('setIfAbsent writes once, and again only after the first expired', async () => {
      const s = fx.store();
      const k = `${ns()}once`;
      assert.equal(await s.setIfAbsent(k, '1', 200), true);
      assert.equal(await s.setIfAbsent(k, '2', 200), false);
      assert.equal(await s.get(k), '1');
      await sleep(400);
      assert.equal(await s.setIfAbsent(k, '3'), true);
      assert.equal(await s.get(k), '3');
    });

    test('update applies 50 concurrent increments from two clients without losing one', async () => {
      const a = fx.store();
      const b = await fx.peer();
      const k = `${ns()}counter`;
      const inc = (cur: string | undefined) => ({ value: String(Number(cur ?? '0') + 1), ttlMs: 60_000 });
      await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).update(k, inc)));
      assert.equal(await a.get(k), '50');
    });

    test('update leaves the value alone on null and deletes on undefined', async () => {
      const s = fx.store();
      const k = `${ns()}u`;
      await s.set(k, 'v');
      assert.equal(await s.update(k, () => null), 'v');
      assert.equal(await s.get(k), 'v');
      assert.equal(await s.update(k, () => ({ value: undefined })), undefined);
      assert.equal(await s.get(k), undefined);
    });

    test('50 parallel resolveSignin calls on one code: exactly one wins', async () => {
      const regA = new Registry(fx.store());
      const regB = new Registry(await fx.peer());
      const code = `${ns()}code`;
      assert.equal(await regA.createSignin(signin(code)), true);
      assert.equal(await regB.createSignin(signin(code)), false, 'a user code is created once');
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 ? regA : regB).resolveSignin(code, (p) => ({
            ...p,
            status: 'approved',
            sessionId: `s${i}`,
          })),
        ),
      );
      const winners = results.filter((r) => r !== undefined);
      assert.equal(winners.length, 1);
      const stored = await regA.getSignin(code);
      assert.equal(stored?.status, 'approved');
      assert.equal(stored?.sessionId, winners[0]?.sessionId);
    });

    test('list returns exactly the entries under a prefix', async () => {
      const s = fx.store();
      const p = ns();
      await s.set(`${p}a:1`, '1');
      await s.set(`${p}a:2`, '2');
      await s.set(`${p}a:b:3`, '3');
      await s.set(`${p}ab:4`, '4');
      await s.set(`${p}ax`, '5');
      const keys = async (prefix: string) => (await s.list(prefix)).map((e) => e.key).sort();
      assert.deepEqual(await keys(`${p}a:`), [`${p}a:1`, `${p}a:2`, `${p}a:b:3`]);
      assert.deepEqual(await keys(`${p}a`), [`${p}a:1`, `${p}a:2`, `${p}a:b:3`, `${p}ab:4`, `${p}ax`]);
      assert.deepEqual(await keys(`${p}ab`), [`${p}ab:4`]);
      await s.delete(`${p}a:1`);
      assert.deepEqual(await keys(`${p}a:`), [`${p}a:2`, `${p}a:b:3`]);
    });

    test('glob and separator characters in keys neither collide nor match as patterns', async () => {
      const s = fx.store();
      const p = ns();
      const odd = ['*', '?', '[a]', 'x*', 'x', 'x y', 'x>', 'x.y', 'x:y', '\\', 'x%3Ay'];
      for (const [i, key] of odd.entries()) await s.set(`${p}${key}`, String(i));
      for (const [i, key] of odd.entries()) assert.equal(await s.get(`${p}${key}`), String(i), key);
      assert.deepEqual(
        (await s.list(`${p}*`)).map((e) => e.key),
        [`${p}*`],
      );
      assert.deepEqual(
        (await s.list(`${p}[`)).map((e) => e.key),
        [`${p}[a]`],
      );
      assert.deepEqual(
        (await s.list(`${p}x*`)).map((e) => e.key),
        [`${p}x*`],
      );
      assert.equal((await s.list(p)).length, odd.length);

      const reg = new Registry(s);
      const ids = ['*', 'a*', 'a', 'a:b', 'a b', 'a>', 'a.b', 'drawbridge:session:a', `${p}x`];
      for (const id of ids) await reg.putSession(session(id));
      for (const id of ids) assert.equal((await reg.getSession(id))?.id, id);
      assert.equal(await reg.deleteSession('*'), true);
      assert.equal(await reg.getSession('*'), undefined);
      assert.equal((await reg.getSession('a*'))?.id, 'a*', 'deleting "*" must not touch other sessions');
      const listed = (await reg.listSessions()).map((x) => x.id);
      for (const id of ids.slice(1)) assert.ok(listed.includes(id), id);
      for (const id of ids) await reg.deleteSession(id);
    });

    test("a dead edge's tunnel records vanish by TTL while a live edge's stay", async () => {
      const reg = new Registry(fx.store(), { heartbeatTtlMs: 400 });
      const route = `https://${ns().replace(':', '')}.example.com`;
      await reg.putTunnel(tunnel(`${route}-dead`, 'edge-dead', route));
      await reg.putTunnel(tunnel(`${route}-live`, 'edge-live', route));
      await reg.heartbeatEdge({
        id: 'edge-dead',
        kind: 'ssh-edge',
        startedAt: Date.now(),
        heartbeatAt: 0,
        draining: false,
      });
      assert.equal((await reg.listTunnels({ routeFrom: route })).length, 2);
      for (let i = 0; i < 6; i++) {
        await sleep(150);
        await reg.putTunnel(tunnel(`${route}-live`, 'edge-live', route));
      }
      const left = await reg.listTunnels({ routeFrom: route });
      assert.deepEqual(
        left.map((t) => t.edgeId),
        ['edge-live'],
      );
      assert.equal(await reg.getTunnel(`${route}-dead`), undefined);
      assert.equal(await reg.getEdge('edge-dead'), undefined);
      await reg.deleteTunnel(`${route}-live`);
    });

    test('ping answers while the backend is up', async () => {
      await fx.store().ping();
    });

    test('survives a backend restart', { skip: !capabilities.restart }, async () => {
      const p = ns();
      await fx.store().set(`${p}kept`, 'yes');
      await fx.store().set(`${p}short`, 'gone', 200);
      await fx.restart?.();
      await sleep(300);
      await eventually(answers, 10_000, 'reconnect');
      if (fx.persistent) {
        assert.equal(await fx.store().get(`${p}kept`), 'yes');
        assert.equal(await fx.store().get(`${p}short`), undefined, 'TTL honoured across the restart');
      }
      await fx.store().set(`${p}after`, 'ok');
      assert.equal(await fx.store().get(`${p}after`), 'ok');
    });

    test('fails closed with DRAWBRIDGE_REGISTRY_UNAVAILABLE while the backend is down', {
      skip: !capabilities.outage,
    }, async () => {
      await fx.outage?.down();
      try {
        await assert.rejects(fx.store().get(`${ns()}x`), (err: unknown) => {
          assert.ok(err instanceof RegistryError);
          assert.equal(err.code, ERR_REGISTRY_UNAVAILABLE);
          return true;
        });
        await assert.rejects(fx.store().ping(), { code: ERR_REGISTRY_UNAVAILABLE });
      } finally {
        await fx.outage?.up();
      }
      await eventually(answers, 10_000, 'reconnect');
    });
  });
}
