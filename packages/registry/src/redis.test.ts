import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RedisHandle, startRedis } from '../../../test/kit/redis.js';
import { createStore } from './create.js';
import { ERR_REGISTRY_CONFIG, ERR_REGISTRY_UNAVAILABLE } from './errors.js';
import { parseRedisConnection } from './lib/redis-url.js';
import { REDIS_INDEX_PREFIX, RedisStore } from './redis.js';
import { registryContract } from './testing/contract.js';

registryContract(
  'redis',
  async () => {
    const redis = await startRedis();
    const store = await RedisStore.open({
      connection: redis.url,
      requireConnection: true,
      commandTimeoutMs: 1000,
    });
    const peers: RedisStore[] = [];
    return {
      store: () => store,
      async peer() {
        const p = await RedisStore.open({ connection: redis.url, requireConnection: true });
        peers.push(p);
        return p;
      },
      // Our test redis has no persistence: this proves reconnection, not durability.
      persistent: false,
      restart: () => redis.restart(),
      outage: { down: () => redis.kill(), up: () => redis.restart() },
      async close() {
        await Promise.all([store, ...peers].map((s) => s.close()));
        await redis.stop();
      },
    };
  },
  { restart: true, outage: true },
);

describe('redis store connection', () => {
  let redis: RedisHandle;
  before(async () => {
    redis = await startRedis({ password: 'p@ss word:/' });
  });
  after(async () => {
    await redis?.stop();
  });

  test('authenticates with the password in the URL', async () => {
    const store = await createStore({ type: 'redis', connection: redis.url });
    try {
      assert.equal(store.kind, 'redis');
      await store.ping();
      await store.set('drawbridge:t:a', '1');
      assert.equal(await store.get('drawbridge:t:a'), '1');
    } finally {
      await store.close();
    }
  });

  test('reports a wrong password as unavailable instead of serving', async () => {
    const wrong = redis.url.replace(/\/\/:[^@]*@/, '//:wrong@');
    const store = await RedisStore.open({ connection: wrong, connectWaitMs: 1000 });
    try {
      await assert.rejects(store.ping(), { code: ERR_REGISTRY_UNAVAILABLE });
      await assert.rejects(store.get('drawbridge:t:a'), { code: ERR_REGISTRY_UNAVAILABLE });
    } finally {
      await store.close();
    }
  });

  test('refuses keys that would alias its index sets', async () => {
    const store = await createStore({ type: 'redis', connection: redis.url });
    try {
      await assert.rejects(store.set(`${REDIS_INDEX_PREFIX}drawbridge:`, 'x'), { code: ERR_REGISTRY_CONFIG });
    } finally {
      await store.close();
    }
  });
});

test('speaks TLS to a rediss:// server and verifies it against ca_file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'drawbridge-redis-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const made = spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  assert.equal(made.status, 0, String(made.stderr));
  const redis = await startRedis({ tls: { certFile, keyFile } });
  try {
    assert.ok(redis.url.startsWith('rediss://'));
    const store = await createStore({
      type: 'redis',
      connection: `${redis.url}?ca_file=${encodeURIComponent(certFile)}`,
    });
    await store.ping();
    await store.set('drawbridge:tls:a', 'secret');
    assert.equal(await store.get('drawbridge:tls:a'), 'secret');
    await store.close();
    // Without the CA the self-signed server must not be trusted.
    const untrusted = await RedisStore.open({ connection: redis.url, connectWaitMs: 1000 });
    await assert.rejects(untrusted.ping(), { code: ERR_REGISTRY_UNAVAILABLE });
    await untrusted.close();
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parses redis, rediss and redis+sentinel connection strings', () => {
  const plain = parseRedisConnection('redis://:s%40cret@10.0.0.1:6380/2');
  assert.deepEqual(
    [plain.host, plain.port, plain.password, plain.db, plain.tls],
    ['10.0.0.1', 6380, 's@cret', 2, undefined],
  );
  const tls = parseRedisConnection('rediss://user:pw@redis.internal');
  assert.deepEqual(
    [tls.host, tls.port, tls.username, tls.password, tls.tls?.servername],
    ['redis.internal', 6379, 'user', 'pw', 'redis.internal'],
  );
  const s = parseRedisConnection('redis+sentinel://:pw@s1:26379,s2:26380/prod/1?sentinel_password=sp');
  assert.deepEqual(s.sentinel, {
    name: 'prod',
    sentinels: [
      { host: 's1', port: 26379 },
      { host: 's2', port: 26380 },
    ],
    sentinelPassword: 'sp',
  });
  assert.equal(s.password, 'pw');
  assert.equal(s.db, 1);
  assert.ok(!s.display.includes('pw'), 'display is safe to log');
  assert.throws(() => parseRedisConnection('http://x'), { code: ERR_REGISTRY_CONFIG });
});
