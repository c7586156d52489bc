import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hashPassword, verifyPassword } from './password.js';
import { createDevIdp, type DevIdp } from './service.js';
import { contextFor, freePort, secret } from './testing/context.js';

let idp: DevIdp;
let closeCtx: () => Promise<void>;
let issuer: string;

before(async () => {
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  const { ctx, close } = await contextFor(`
shared_secret: ${secret()}
cookie_secret: ${secret()}
authenticate_service_url: https://authenticate.localhost:8443
idp_provider_url: ${issuer}
idp_client_id: drawbridge
idp_client_secret: s3cret
dev_idp:
  address: 127.0.0.1:${port}
  users:
    - email: Alice@Example.com
      name: Alice
      groups: [admins]
      password_hash: "${hashPassword('pw-alice')}"
`);
  closeCtx = close;
  idp = createDevIdp(ctx);
  await idp.start();
});

after(async () => {
  await idp.stop();
  await closeCtx();
});

test('hashPassword output verifies with the same password only', async () => {
  const h = hashPassword('hunter2');
  assert.match(h, /^scrypt\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.equal(await verifyPassword('hunter2', h), true);
  assert.equal(await verifyPassword('hunter3', h), false);
});

test('serves discovery over plain http with the configured issuer, JWKS and end_session_endpoint', async () => {
  const res = await fetch(`${issuer}/.well-known/openid-configuration`);
  assert.equal(res.status, 200);
  const d = (await res.json()) as Record<string, unknown>;
  assert.equal(d.issuer, issuer);
  assert.ok(String(d.end_session_endpoint).startsWith(issuer));
  const jwks = (await (await fetch(String(d.jwks_uri))).json()) as { keys: unknown[] };
  assert.equal(jwks.keys.length, 1);
});

test('shows a login form for an authorization request and refuses a wrong password', async () => {
  const auth = new URL(`${issuer}/auth`);
  auth.search = new URLSearchParams({
    client_id: 'drawbridge',
    response_type: 'code',
    scope: 'openid email',
    redirect_uri: 'https://authenticate.localhost:8443/oauth2/callback',
    state: 'st',
    nonce: 'nn',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  }).toString();
  const r1 = await fetch(auth, { redirect: 'manual' });
  assert.equal(r1.status, 303);
  const loc = new URL(r1.headers.get('location') ?? '', issuer);
  const cookies = r1.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const r2 = await fetch(loc, { headers: { cookie: cookies } });
  assert.equal(r2.status, 200);
  assert.match(await r2.text(), /name="password"/);
  const r3 = await fetch(`${loc.href}/login`, {
    method: 'POST',
    headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'email=alice%40example.com&password=wrong',
    redirect: 'manual',
  });
  assert.equal(r3.status, 401);
  assert.match(await r3.text(), /Wrong email or password/);
});
