import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { signInternalToken } from '@drawbridge/protocol';
import { WebSocket } from 'ws';
import {
  ALICE,
  APP_HOST,
  type Harness,
  LocalPortDialer,
  SECRET,
  STATIC_HOST,
  startHarness,
} from './testing/harness.js';

let h: Harness;
let cookie: string;
let staticCookie: string;
let sessionId: string;
let dialer: LocalPortDialer;

before(async () => {
  h = await startHarness({ metrics: true });
  ({
    cookie,
    staticCookie,
    session: { id: sessionId },
  } = await h.session());
  dialer = new LocalPortDialer(h.upstream.port);
  await h.attach('edge-a', dialer, 'tunnel-a');
});
after(() => h.close());

test('an allowed visitor gets the local service through the tunnel, with the identity asserted and spoofed headers dropped', async () => {
  const res = await h.get('/hello?x=1', {
    headers: {
      cookie: `${cookie}; theme=dark`,
      'x-pomerium-jwt-assertion': 'forged',
      'x-pomerium-claim-email': 'boss@example.com',
      'x-forwarded-email': 'boss@example.com',
      'x-forwarded-for': '6.6.6.6',
      'x-auth-request-user': 'boss',
      'remote-user': 'boss',
    },
  });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(JSON.parse(res.text), { method: 'GET', url: '/hello?x=1', size: 0, host: APP_HOST });
  const seen = h.upstream.seen.at(-1)!;
  assert.equal(seen.headers.host, APP_HOST);
  assert.equal(seen.headers['x-pomerium-claim-email'], undefined);
  assert.equal(seen.headers['x-forwarded-email'], undefined);
  assert.equal(seen.headers['x-auth-request-user'], undefined);
  assert.equal(seen.headers['remote-user'], undefined);
  assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(seen.headers['x-forwarded-proto'], 'https');
  assert.equal(seen.headers['x-forwarded-host'], APP_HOST);
  assert.equal(seen.headers.cookie, 'theme=dark', 'the session cookie never reaches the upstream');
  const jwt = seen.headers['x-pomerium-jwt-assertion'] as string;
  assert.notEqual(jwt, 'forged');
  const jwks = JSON.parse((await h.get('/.well-known/pomerium/jwks.json')).text) as {
    keys: Array<Record<string, string>>;
  };
  const [header, payload, sig] = jwt.split('.') as [string, string, string];
  const key = createPublicKey({ key: jwks.keys[0] as never, format: 'jwk' });
  assert.ok(
    verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(sig, 'base64url'),
    ),
  );
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  assert.equal(claims.iss, 'auth.localhost');
  assert.equal(claims.aud, APP_HOST);
  assert.equal(claims.email, ALICE.email);
  assert.equal(claims.sub, ALICE.sub);
  assert.deepEqual(claims.groups, ['dev']);
  assert.ok(claims.exp > claims.iat);
});

test('keep-alive pools streams through the tunnel: many requests, few dials', async () => {
  const before = dialer.dials;
  for (let i = 0; i < 50; i++) assert.equal((await h.get('/n', { headers: { cookie } })).status, 200);
  assert.ok(dialer.dials - before <= 1, `dials for 50 sequential requests: ${dialer.dials - before}`);
});

test('visitors without a session: browsers are sent to sign in, programs get 401', async () => {
  const browser = await h.get('/page?q=1', { headers: { accept: 'text/html' } });
  assert.equal(browser.status, 302);
  const location = new URL(browser.headers.location as string);
  assert.equal(location.origin, 'https://auth.localhost');
  assert.equal(location.pathname, '/.pomerium/sign_in');
  assert.equal(location.searchParams.get('pomerium_redirect_uri'), `https://${APP_HOST}/page?q=1`);
  const api = await h.get('/page');
  assert.equal(api.status, 401);
  const forged = await h.get('/page', { headers: { cookie: '_pomerium=not-a-cookie' } });
  assert.equal(forged.status, 401);
});

test('the callback sets the route-host cookie from a handoff token and returns to the page', async () => {
  const token = await signInternalToken(SECRET, 'handoff', { aud: APP_HOST, sub: sessionId }, 60);
  const target = `https://${APP_HOST}/after?x=2`;
  const res = await h.get(
    `/.pomerium/callback?pomerium_handoff=${token}&pomerium_redirect_uri=${encodeURIComponent(target)}`,
  );
  assert.equal(res.status, 302);
  assert.equal(res.headers.location, target);
  const setCookie = String(res.headers['set-cookie']);
  assert.match(setCookie, /^_pomerium=[^;]+; Path=\/; .*Secure; HttpOnly; SameSite=Lax/);
  const ok = await h.get('/after', { headers: { cookie: setCookie.split(';')[0] as string } });
  assert.equal(ok.status, 200);
  const wrongHost = await signInternalToken(
    SECRET,
    'handoff',
    { aud: 'other.localhost', sub: sessionId },
    60,
  );
  assert.equal((await h.get(`/.pomerium/callback?pomerium_handoff=${wrongHost}`)).status, 400);
  const evil = await h.get(
    `/.pomerium/callback?pomerium_handoff=${token}&pomerium_redirect_uri=${encodeURIComponent('https://evil.example/')}`,
  );
  assert.equal(evil.headers.location, `https://${APP_HOST}/`);
  const out = await h.get('/.pomerium/sign_out');
  assert.equal(out.status, 302);
  assert.equal(out.headers.location, 'https://auth.localhost/.pomerium/sign_out');
  assert.match(String(out.headers['set-cookie']), /_pomerium=; Path=\/; Max-Age=0/);
});

test('a policy edit that excludes the user gives 403 within a second, restoring it gives 200', async () => {
  h.writeConfig({ allowed: ['bob@example.com'] });
  const t0 = Date.now();
  let res = await h.get('/', { headers: { cookie, accept: 'text/html' } });
  while (res.status !== 403 && Date.now() - t0 < 1000) {
    await sleep(25);
    res = await h.get('/', { headers: { cookie, accept: 'text/html' } });
  }
  assert.equal(res.status, 403, `still ${res.status} after ${Date.now() - t0} ms`);
  assert.match(res.text, /alice@example\.com/);
  assert.match(res.text, /no allow rule/);
  assert.match(res.text, /\/\.pomerium\/sign_out/);
  assert.match(res.text, /Drawbridge/);
  const api = await h.get('/', { headers: { cookie } });
  assert.equal(api.status, 403);
  assert.match(api.text, /alice@example\.com is not allowed/);
  h.writeConfig({ allowed: [ALICE.email] });
  const t1 = Date.now();
  while ((await h.get('/', { headers: { cookie } })).status !== 200) {
    assert.ok(Date.now() - t1 < 1000, 'not allowed again within 1 s');
    await sleep(25);
  }
});

test('a detached tunnel gives 503 at once, re-attaching gives 200', async () => {
  const [tunnel] = h.edge.tunnels();
  assert.ok(tunnel);
  await h.ctx.registry.deleteTunnel(tunnel.id);
  await h.ctx.bus.publish('tunnel.detached', {
    tunnel: { ...tunnel, state: 'detached' },
    reason: 'ssh_policy',
  });
  await sleep(5);
  const res = await h.get('/', { headers: { cookie, accept: 'text/html' } });
  assert.equal(res.status, 503);
  assert.match(res.text, /No healthy upstream/);
  assert.match(
    (await h.get('/', { headers: { cookie, accept: 'application/json' } })).text,
    /DRAWBRIDGE_NO_HEALTHY_UPSTREAM/,
  );
  await h.attach('edge-a', dialer, 'tunnel-a');
  await sleep(5);
  assert.equal((await h.get('/', { headers: { cookie } })).status, 200);
});

test('a tunnel whose streams cannot be opened is skipped and the request retried on another', async () => {
  const broken = new LocalPortDialer(h.upstream.port);
  broken.failing = true;
  await h.attach('edge-broken', broken, 'tunnel-broken');
  await sleep(5);
  for (let i = 0; i < 6; i++) assert.equal((await h.get('/r', { headers: { cookie } })).status, 200);
  assert.ok(broken.dials >= 1, 'the broken tunnel was tried');
  assert.ok(broken.dials <= 2, 'and then avoided');
  h.edge.tunnels().length;
  await h.ctx.bus.publish('tunnel.closed', {
    tunnelId: 'tunnel-broken',
    routeFrom: `https://${APP_HOST}`,
    edgeId: 'edge-broken',
  });
  await h.ctx.registry.deleteTunnel('tunnel-broken');
});

test('unknown hosts get 404', async () => {
  const res = await h.get('/', { host: 'nope.localhost', headers: { accept: 'text/html' } });
  assert.equal(res.status, 404);
  assert.match(res.text, /no route for nope\.localhost/i);
});

test('static `to` routes are proxied directly with the upstream host', async () => {
  const res = await h.get('/s', { host: STATIC_HOST, headers: { cookie: staticCookie } });
  assert.equal(res.status, 200);
  assert.equal(JSON.parse(res.text).host, `127.0.0.1:${h.upstream.port}`);
  assert.equal(h.upstream.seen.at(-1)?.headers['x-forwarded-host'], STATIC_HOST);
});

test('server-sent events stream through without buffering', async () => {
  const { request } = await import('undici');
  const res = await request(`${h.edge.url()}/sse`, {
    dispatcher: h.client,
    headers: { host: APP_HOST, cookie },
  });
  assert.equal(res.statusCode, 200);
  const t0 = Date.now();
  const it = res.body[Symbol.asyncIterator]();
  const first = await it.next();
  assert.match(String(first.value), /data: one/);
  assert.ok(Date.now() - t0 < 250, 'first event arrived before the stream ended');
  let rest = '';
  for (let n = await it.next(); !n.done; n = await it.next()) rest += String(n.value);
  assert.match(rest, /data: two/);
});

test('uploads above max_request_body_bytes get 413; smaller ones pass', async () => {
  h.writeConfig({ allowed: [ALICE.email], maxBody: 1024 * 1024 });
  await sleep(150);
  const small = await h.get('/up', { method: 'POST', headers: { cookie }, body: Buffer.alloc(1000) });
  assert.equal(small.status, 200);
  assert.equal(JSON.parse(small.text).size, 1000);
  const big = await h.get('/up', {
    method: 'POST',
    headers: { cookie, accept: 'text/html' },
    body: Buffer.alloc(2 * 1024 * 1024),
  });
  assert.equal(big.status, 413);
  assert.match(big.text, /Request too large/);
  h.writeConfig({ allowed: [ALICE.email] });
  await sleep(150);
});

test('WebSockets echo through the tunnel and close when the session is revoked', async () => {
  const ws = new WebSocket(`wss://127.0.0.1:${h.edge.port()}/ws`, {
    headers: { host: APP_HOST, cookie },
    rejectUnauthorized: false,
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const echoed = new Promise<string>((resolve) => ws.once('message', (m) => resolve(String(m))));
  ws.send('ping through the tunnel');
  assert.equal(await echoed, 'ping through the tunnel');
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  const t0 = Date.now();
  await h.ctx.registry.deleteSession(sessionId);
  await h.ctx.bus.publish('session.revoked', { sessionId, reason: 'signed out' });
  await closed;
  assert.ok(Date.now() - t0 < 1000);
  const anon = new WebSocket(`wss://127.0.0.1:${h.edge.port()}/ws`, {
    headers: { host: APP_HOST, cookie },
    rejectUnauthorized: false,
  });
  const status = await new Promise<number>((resolve) =>
    anon.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
  );
  assert.equal(status, 401);
});

test('metrics count requests by route and status and expose tunnels and authz time', async () => {
  const port = h.edge.opsPort();
  assert.ok(port);
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(text, /drawbridge_proxy_requests_total\{route="https:\/\/app\.localhost",status="200"\} \d+/);
  assert.match(text, /drawbridge_proxy_request_duration_seconds_bucket/);
  assert.match(text, /drawbridge_proxy_tunnels\{route="https:\/\/app\.localhost"\} 1/);
  assert.match(text, /drawbridge_proxy_authz_decision_seconds_count \d+/);
  assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
  const line = h.logs
    .map((l) => JSON.parse(l))
    .find((l) => l.msg === 'request' && l.status === 200 && l.email === ALICE.email);
  assert.ok(line?.reqId && line.route && typeof line.bytes === 'number' && typeof line.ms === 'number');
});
