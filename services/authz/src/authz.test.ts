import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { Bus, InProcessTransport } from '@drawbridge/bus';
import { type ConfigSource, watchConfig } from '@drawbridge/config';
import { createLogger } from '@drawbridge/log';
import { type EvaluateRequest, signInternalToken } from '@drawbridge/protocol';
import { createAuthz } from './authz.js';

const sharedSecret = randomBytes(32).toString('base64');
const logLines: string[] = [];
const logger = createLogger({
  name: 'authz-test',
  level: 'debug',
  pretty: false,
  destination: new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  }),
});

function configText(allowedEmail: string, extraRoute = ''): string {
  return `shared_secret: ${sharedSecret}
cookie_secret: ${randomBytes(32).toString('base64')}
authenticate_service_url: https://authenticate.example.com
idp_provider_url: https://idp.example.com
idp_client_id: drawbridge
idp_client_secret: secret
authorize_internal_address: 127.0.0.1:0
routes:
  - from: https://hello.example.com
    upstream_tunnel:
      ssh_policy:
        allow:
          and:
            - email:
                is: ${allowedEmail}
    policy:
      allow:
        and:
          - email:
              is: ${allowedEmail}
${extraRoute}`;
}

const dirs: string[] = [];
const sources: ConfigSource[] = [];
after(() => {
  for (const s of sources) s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function setup(text = configText('alice@example.com')) {
  const dir = mkdtempSync(join(tmpdir(), 'drawbridge-authz-'));
  dirs.push(dir);
  const file = join(dir, 'config.yaml');
  writeFileSync(file, text);
  const config = watchConfig(dir, { env: {}, pollMs: 60_000, debounceMs: 10_000 });
  sources.push(config);
  return { file, config };
}

const identity = (email: string) => ({ sub: email, email, groups: [], claims: {} });
const visit = (email: string): EvaluateRequest => ({
  routeFrom: 'https://hello.example.com',
  kind: 'route',
  input: {
    identity: identity(email),
    http: { method: 'GET', path: '/', host: 'hello.example.com' },
    now: Date.now(),
  },
});
const publish = (email: string): EvaluateRequest => ({
  routeFrom: 'https://hello.example.com',
  kind: 'ssh',
  input: { identity: identity(email), ssh: { username: 'x' }, now: Date.now() },
});

test('recompiles on config reload and keeps the last good engine when new policies do not compile', async () => {
  const { file, config } = setup();
  const authz = createAuthz({ config, logger, http: false });
  assert.deepEqual(await authz.evaluate(visit('alice@example.com')), {
    allow: true,
    reason: 'allowed',
    rule: 'allow[0].and[0]',
    criterion: 'email',
    generation: 1,
  });

  writeFileSync(file, configText('bob@example.com'));
  assert.equal(config.reload(), true);
  const bob = await authz.evaluate(visit('bob@example.com'));
  assert.deepEqual([bob.allow, bob.generation], [true, 2]);
  assert.equal((await authz.evaluate(visit('alice@example.com'))).allow, false);
  assert.equal((await authz.evaluate(publish('bob@example.com'))).allow, true);

  // An unknown criterion is refused by the config loader itself, so generation 2 stays in force.
  writeFileSync(file, configText('bob@example.com').replace('- email:', '- emial:'));
  assert.equal(config.reload(), false);
  assert.equal((await authz.evaluate(visit('bob@example.com'))).generation, 2);
  await authz.stop();
});

test('answers authz.evaluate and authz.evaluate-many over the bus', async () => {
  const { config } = setup(
    configText('alice@example.com', '  - from: https://closed.example.com\n    to: http://127.0.0.1:9\n'),
  );
  const transport = new InProcessTransport();
  const serverBus = new Bus({ transport, sharedSecret, origin: 'authz-test' });
  const clientBus = new Bus({ transport, sharedSecret, origin: 'proxy-edge-test' });
  const authz = createAuthz({ config, bus: serverBus, logger, http: false });
  await authz.start();
  try {
    const one = await clientBus.request('authz.evaluate', visit('alice@example.com'));
    assert.deepEqual([one.allow, one.reason, one.generation], [true, 'allowed', 1]);
    const many = await clientBus.request('authz.evaluate-many', [
      visit('mallory@example.com'),
      publish('alice@example.com'),
      { ...visit('alice@example.com'), routeFrom: 'https://closed.example.com' },
      { ...visit('alice@example.com'), routeFrom: 'https://nowhere.example.com' },
    ]);
    assert.deepEqual(
      many.map((d) => d.reason),
      ['no-matching-allow', 'allowed', 'no-policy', 'route-not-found'],
    );
  } finally {
    await authz.stop();
  }
});

test('HTTP API: /healthz is open, /evaluate needs a valid authz token', async () => {
  const { config } = setup();
  const authz = createAuthz({ config, logger });
  await authz.start();
  const base = `http://127.0.0.1:${authz.httpPort}`;
  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  try {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);

    const missing = await post('/evaluate', visit('alice@example.com'));
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get('www-authenticate') ?? '', /Bearer/);

    const wrongAudience = await signInternalToken(
      sharedSecret,
      'internal-api',
      { aud: 'data-plane', sub: 'x' },
      60,
    );
    assert.equal((await post('/evaluate', visit('alice@example.com'), wrongAudience)).status, 401);

    const expired = await signInternalToken(
      sharedSecret,
      'internal-api',
      { aud: 'authz', sub: 'x' },
      60,
      Date.now() - 120_000,
    );
    const expiredRes = await post('/evaluate', visit('alice@example.com'), expired);
    assert.equal(expiredRes.status, 401);
    assert.equal(((await expiredRes.json()) as { code: string }).code, 'DRAWBRIDGE_TOKEN_EXPIRED');

    const otherSecret = await signInternalToken(
      randomBytes(32).toString('base64'),
      'internal-api',
      { aud: 'authz', sub: 'x' },
      60,
    );
    assert.equal((await post('/evaluate', visit('alice@example.com'), otherSecret)).status, 401);

    const token = await signInternalToken(
      sharedSecret,
      'internal-api',
      { aud: 'authz', sub: 'proxy-edge' },
      60,
    );
    const ok = await post('/evaluate', visit('alice@example.com'), token);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), {
      allow: true,
      reason: 'allowed',
      rule: 'allow[0].and[0]',
      criterion: 'email',
      generation: 1,
    });

    const many = await post('/evaluate-many', [visit('alice@example.com'), visit('eve@example.com')], token);
    assert.deepEqual(
      ((await many.json()) as { allow: boolean }[]).map((d) => d.allow),
      [true, false],
    );

    const bad = await post('/evaluate', { routeFrom: 'https://hello.example.com', kind: 'web' }, token);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /kind must be "route" or "ssh"/);

    assert.equal(
      (await fetch(`${base}/evaluate`, { headers: { authorization: `Bearer ${token}` } })).status,
      405,
    );
  } finally {
    await authz.stop();
  }
});

test('keeps the last good engine when a published config has policies that do not compile', async () => {
  const { config: real } = setup();
  const first = real.current();
  let listener: ((next: typeof first, prev: typeof first) => void) | undefined;
  const config: ConfigSource = {
    current: () => first,
    subscribe: (l) => {
      listener = l;
      return () => {
        listener = undefined;
      };
    },
    reload: () => false,
    close() {},
  };
  const authz = createAuthz({ config, logger, http: false });
  const route = first.config.routes[0]!;
  const broken = {
    ...first,
    generation: 2,
    config: { ...first.config, routes: [{ ...route, policy: { allow: { xor: [] } } }] },
  };
  listener?.(broken, first);
  const d = await authz.evaluate(visit('alice@example.com'));
  assert.deepEqual([d.allow, d.generation], [true, 1]);
  assert.ok(logLines.some((l) => /do not compile; keeping generation 1/.test(l)));
  await authz.stop();
});
