import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { PendingSignin } from '@drawbridge/protocol';
import { verifyInternalToken } from '@drawbridge/protocol';
import { generateKeyPair, SignJWT } from 'jose';
import { hiddenInput, TestBrowser } from './testing/browser.js';
import { type Stack, startStack, USER } from './testing/stack.js';

let stack: Stack;
let browser: TestBrowser;
const resolved: PendingSignin[] = [];
const revoked: string[] = [];

before(async () => {
  stack = await startStack();
  stack.ctx.bus.subscribe('signin.resolved', (p) => resolved.push(p.signin));
  stack.ctx.bus.subscribe('session.revoked', (p) => revoked.push(p.sessionId));
  browser = new TestBrowser();
});
after(async () => {
  await stack?.stop();
});

const isIdp = (u: string) => u.startsWith(stack.issuer);
const isCallback = (u: string) => u.includes('/oauth2/callback');

async function signInFresh(b: TestBrowser, startUrl: string) {
  const loginPage = await b.follow(startUrl);
  assert.equal(loginPage.status, 200, loginPage.body.slice(0, 400));
  assert.ok(isIdp(loginPage.url), `expected the dev IdP login page, got ${loginPage.url}`);
  return b.login(loginPage, USER.email, USER.password);
}

async function authorize(
  b: TestBrowser,
  page: string,
  decision: 'authorize' | 'deny',
  extra: Record<string, string> = {},
) {
  return b.fetch(`${stack.authUrl}/.pomerium/sign_in/verify`, {
    method: 'POST',
    form: {
      user_code: hiddenInput(page, 'user_code') ?? '',
      csrf_token: hiddenInput(page, 'csrf_token') ?? '',
      decision,
      ...extra,
    },
    headers: { origin: stack.authUrl },
  });
}

test('sign-in URL → dev IdP login → Verify Sign In → Authorize approves the sign-in with the identity and a certificate', async () => {
  const { signin, url } = await stack.pendingSignin();
  const verify = await signInFresh(browser, url);
  assert.equal(verify.status, 200);
  assert.match(verify.body, /Verify Sign In/);
  assert.match(verify.body, /SSH reverse tunnel/);
  assert.ok(verify.body.includes(signin.keyFingerprint as string));
  assert.ok(verify.body.includes('192.0.2.7:52044'));
  assert.ok(verify.body.includes(USER.email));
  assert.match(String(verify.headers['content-security-policy']), /frame-ancestors 'none'/);
  assert.equal(verify.headers['x-frame-options'], 'DENY');
  const sessionCookie = browser.cookies('authenticate.localhost').get('_pomerium');
  assert.ok(sessionCookie, 'authenticate-host session cookie set');

  const done = await authorize(browser, verify.body, 'authorize', { remember: 'on' });
  assert.equal(done.status, 200, done.body);
  assert.match(done.body, /Sign-in authorized/);
  const after = await stack.ctx.registry.getSignin(signin.userCode);
  assert.equal(after?.status, 'approved');
  assert.equal(after?.identity?.email, USER.email);
  assert.equal(after?.identity?.name, USER.name);
  assert.deepEqual(after?.identity?.groups, ['engineering']);
  assert.ok(after?.sessionId);
  assert.equal(resolved.at(-1)?.userCode, signin.userCode);
  const binding = await stack.ctx.registry.getKeyBinding(signin.keyFingerprint as string);
  assert.equal(binding?.sessionId, after?.sessionId);

  const certFile = join(stack.dir, 'approved-cert.pub');
  writeFileSync(certFile, `${after?.certificate}\n`);
  const info = execFileSync('ssh-keygen', ['-L', '-f', certFile], { encoding: 'utf8' });
  assert.ok(info.includes(`Key ID: "drawbridge:${USER.email}:${after?.sessionId}"`));
  assert.match(info, /Principals: \n\s+alice@example.com\n\s+alice\n/);
  assert.match(info, /permit-port-forwarding/);
});

test('Deny resolves the sign-in as denied without a certificate; an already signed-in browser goes straight to Verify Sign In', async () => {
  const { signin, url } = await stack.pendingSignin();
  const verify = await browser.fetch(url);
  assert.equal(verify.status, 200);
  assert.match(verify.body, /Verify Sign In/);
  const done = await authorize(browser, verify.body, 'deny');
  assert.equal(done.status, 200);
  assert.match(done.body, /Sign-in denied/);
  const after = await stack.ctx.registry.getSignin(signin.userCode);
  assert.equal(after?.status, 'denied');
  assert.equal(after?.certificate, undefined);
  assert.equal(await stack.ctx.registry.getKeyBinding(signin.keyFingerprint as string), undefined);
});

test('a used, unknown or expired user code gets a clear 410/404 page', async () => {
  const { signin, url } = await stack.pendingSignin();
  const page = await browser.fetch(url);
  await authorize(browser, page.body, 'authorize');
  const again = await browser.fetch(url);
  assert.equal(again.status, 410);
  assert.match(again.body, /already used/);
  const replay = await authorize(browser, page.body, 'authorize');
  assert.equal(replay.status, 410);
  assert.equal((await stack.ctx.registry.getSignin(signin.userCode))?.status, 'approved');

  const unknown = await browser.fetch(`${stack.authUrl}/.pomerium/sign_in?user_code=AAAAAAAAAAAAAAAAAAAAAA`);
  assert.equal(unknown.status, 404);
  assert.match(unknown.body, /not valid/);
  const garbage = await browser.fetch(`${stack.authUrl}/.pomerium/sign_in?user_code=%3Cscript%3E`);
  assert.equal(garbage.status, 404);

  const expired = await stack.pendingSignin({
    createdAt: Date.now() - 20 * 60_000,
    expiresAt: Date.now() - 1000,
  });
  const exp = await browser.fetch(expired.url);
  assert.equal(exp.status, 410);
  assert.match(exp.body, /expired/);
});

test("a decision without the CSRF token, with another session's token, or from another origin is refused", async () => {
  const { signin, url } = await stack.pendingSignin();
  const page = await browser.fetch(url);
  const noToken = await browser.fetch(`${stack.authUrl}/.pomerium/sign_in/verify`, {
    method: 'POST',
    form: { user_code: signin.userCode, decision: 'authorize' },
  });
  assert.equal(noToken.status, 403);
  assert.match(noToken.body, /DRAWBRIDGE_CSRF_INVALID/);
  const wrong = await authorize(
    browser,
    page.body.replace(/name="csrf_token" value="[^"]*"/, 'name="csrf_token" value="x"'),
    'authorize',
  );
  assert.equal(wrong.status, 403);
  const crossSite = await browser.fetch(`${stack.authUrl}/.pomerium/sign_in/verify`, {
    method: 'POST',
    form: {
      user_code: signin.userCode,
      csrf_token: hiddenInput(page.body, 'csrf_token') ?? '',
      decision: 'authorize',
    },
    headers: { origin: 'https://evil.example' },
  });
  assert.equal(crossSite.status, 403);
  assert.match(crossSite.body, /DRAWBRIDGE_ORIGIN_INVALID/);
  assert.equal((await stack.ctx.registry.getSignin(signin.userCode))?.status, 'pending');
});

test('a tampered session cookie is not a session: pages send the browser to the IdP and decisions are refused', async () => {
  const b = new TestBrowser();
  const good = browser.cookies('authenticate.localhost').get('_pomerium') as string;
  const flipped = good.slice(0, -5) + (good.at(-5) === 'A' ? 'B' : 'A') + good.slice(-4);
  b.cookies('authenticate.localhost').set('_pomerium', flipped);
  const info = await b.fetch(`${stack.authUrl}/.pomerium/`);
  assert.equal(info.status, 302);
  assert.ok(info.location?.startsWith(stack.issuer));
  const { signin } = await stack.pendingSignin();
  const post = await b.fetch(`${stack.authUrl}/.pomerium/sign_in/verify`, {
    method: 'POST',
    form: { user_code: signin.userCode, csrf_token: 'x', decision: 'authorize' },
  });
  assert.equal(post.status, 401);
});

test('a replayed or foreign OIDC state is refused', async () => {
  const b = new TestBrowser();
  const loginPage = await b.follow(`${stack.authUrl}/.pomerium/`);
  const cb = await b.login(loginPage, USER.email, USER.password, isCallback);
  assert.ok(cb.location && isCallback(cb.location));
  const callbackUrl = cb.location as string;
  const first = await b.fetch(callbackUrl);
  assert.equal(first.status, 302);
  // Same browser, same response again: the login cookie is gone and the state was spent.
  const replay = await b.fetch(callbackUrl);
  assert.equal(replay.status, 400);
  assert.match(replay.body, /DRAWBRIDGE_OIDC_STATE_INVALID/);
  // A response delivered to another browser (login CSRF) has no matching login cookie.
  const other = await new TestBrowser().fetch(callbackUrl);
  assert.equal(other.status, 400);
  assert.match(other.body, /DRAWBRIDGE_OIDC_STATE_INVALID/);
  const noState = await b.fetch(`${stack.authUrl}/oauth2/callback?code=abc`);
  assert.equal(noState.status, 400);
});

test('an authorization code used once is refused by the IdP the second time', async () => {
  const b = new TestBrowser();
  const cb1 = await b.login(
    await b.follow(`${stack.authUrl}/.pomerium/`),
    USER.email,
    USER.password,
    isCallback,
  );
  const used = new URL(cb1.location as string);
  assert.equal((await b.fetch(used.href)).status, 302);
  // A second, genuine round trip; swap its fresh code for the spent one.
  const b2 = new TestBrowser();
  const cb2 = await b2.login(
    await b2.follow(`${stack.authUrl}/.pomerium/`),
    USER.email,
    USER.password,
    isCallback,
  );
  const swapped = new URL(cb2.location as string);
  swapped.searchParams.set('code', used.searchParams.get('code') as string);
  const res = await b2.fetch(swapped.href);
  assert.equal(res.status, 400);
  assert.match(res.body, /DRAWBRIDGE_OIDC_CALLBACK_FAILED/);
  assert.match(res.body, /invalid_grant/);
  assert.equal(b2.cookies('authenticate.localhost').get('_pomerium'), undefined);
});

test('an ID token for another nonce is refused', async () => {
  const b = new TestBrowser();
  const toIdp = await b.fetch(`${stack.authUrl}/.pomerium/`);
  const auth = new URL(toIdp.location as string);
  auth.searchParams.set('nonce', 'attacker-chosen-nonce');
  const loginPage = await b.follow(auth.href);
  const res = await b.login(loginPage, USER.email, USER.password);
  assert.equal(res.status, 400);
  assert.match(res.body, /nonce/);
  assert.match(res.body, /DRAWBRIDGE_OIDC_CALLBACK_FAILED/);
});

test('route-host handoff: only configured routes or the authenticate host; the token names the route host and session', async () => {
  for (const bad of [
    'https://evil.example/',
    'javascript:alert(1)',
    '//evil.example/x',
    'https://hello.localhost.evil.example/',
    'https://user:pw@hello.localhost/',
  ]) {
    const res = await browser.fetch(
      `${stack.authUrl}/.pomerium/sign_in?pomerium_redirect_uri=${encodeURIComponent(bad)}`,
    );
    assert.equal(res.status, 400, bad);
    assert.match(res.body, /DRAWBRIDGE_REDIRECT_NOT_ALLOWED/);
  }
  const target = 'https://hello.localhost:8443/some/page?x=1';
  const res = await browser.fetch(
    `${stack.authUrl}/.pomerium/sign_in?pomerium_redirect_uri=${encodeURIComponent(target)}`,
  );
  assert.equal(res.status, 302);
  const loc = new URL(res.location as string);
  assert.equal(loc.origin, 'https://hello.localhost:8443');
  assert.equal(loc.pathname, '/.pomerium/callback');
  assert.equal(loc.searchParams.get('pomerium_redirect_uri'), target);
  const claims = await verifyInternalToken(
    stack.ctx.config.current().config.shared_secret,
    'handoff',
    loc.searchParams.get('pomerium_handoff') ?? '',
    'hello.localhost',
  );
  assert.ok(await stack.ctx.registry.getSession(claims.sub));
  const self = await browser.fetch(
    `${stack.authUrl}/.pomerium/sign_in?pomerium_redirect_uri=${encodeURIComponent(`${stack.authUrl}/.pomerium/`)}`,
  );
  assert.equal(self.location, `${stack.authUrl}/.pomerium/`);
});

test('code lookups are rate-limited per client address with 429', async () => {
  let last = 0;
  for (let i = 0; i < 31; i++) {
    last = (
      await browser.fetch(`${stack.authUrl}/.pomerium/sign_in?user_code=AAAAAAAAAAAAAAAAAAAAAB`, {
        headers: { 'x-forwarded-for': '198.51.100.23' },
      })
    ).status;
  }
  assert.equal(last, 429);
  const otherIp = await browser.fetch(`${stack.authUrl}/.pomerium/sign_in?user_code=AAAAAAAAAAAAAAAAAAAAAB`, {
    headers: { 'x-forwarded-for': '198.51.100.24' },
  });
  assert.equal(otherIp.status, 404);
});

test('the CI token exchange turns an IdP ID token into a certificate and refuses forged tokens', async () => {
  const sessions = await stack.ctx.registry.listSessions();
  const idToken = sessions.find((s) => s.idToken)?.idToken as string;
  const { keyFile } = await stack.pendingSignin();
  const publicKey = execFileSync('cat', [`${keyFile}.pub`], { encoding: 'utf8' });
  const ok = await fetch(`http://127.0.0.1:${new URL(stack.authUrl).port}/.pomerium/ssh/certificate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ public_key: publicKey, id_token: idToken }),
  });
  assert.equal(ok.status, 200);
  const body = (await ok.json()) as { certificate: string; principals: string[] };
  assert.match(body.certificate, /^ssh-ed25519-cert-v01@openssh.com /);
  assert.deepEqual(body.principals, [USER.email, 'alice']);

  const { privateKey } = await generateKeyPair('RS256');
  const forged = await new SignJWT({ email: USER.email })
    .setProtectedHeader({ alg: 'RS256', kid: 'forged' })
    .setIssuer(stack.issuer)
    .setAudience('drawbridge')
    .setSubject(USER.email)
    .setExpirationTime('5m')
    .sign(privateKey);
  const bad = await fetch(`http://127.0.0.1:${new URL(stack.authUrl).port}/.pomerium/ssh/certificate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ public_key: publicKey, id_token: forged }),
  });
  assert.equal(bad.status, 401);
  assert.equal(((await bad.json()) as { error: string }).error, 'DRAWBRIDGE_TOKEN_EXCHANGE_DENIED');
});

test('sessions are refreshed with the refresh token before the ID token expires, and end when refresh fails', async () => {
  const reg = stack.ctx.registry;
  const b = new TestBrowser();
  await signInFresh(b, `${stack.authUrl}/.pomerium/`);
  const all = (await reg.listSessions()).sort((x, y) => y.createdAt - x.createdAt);
  const s = all.find((x) => x.refreshToken && !revoked.includes(x.id) && x.origin === 'browser');
  assert.ok(s?.refreshToken, 'the dev IdP issued a refresh token');
  await reg.putSession({ ...s, idTokenExpiresAt: Date.now() + 1000 });
  await stack.authn.sweepSessions();
  const refreshed = await reg.getSession(s.id);
  assert.ok(refreshed, 'session still live after refresh');
  // The refresh grant returned a new ID token (the same bytes are possible within one second).
  assert.ok((refreshed.idTokenExpiresAt ?? 0) > Date.now() + 60_000);

  const before = revoked.length;
  await reg.putSession({
    ...refreshed,
    refreshToken: 'not-a-valid-refresh-token',
    idTokenExpiresAt: Date.now() + 1000,
  });
  await stack.authn.sweepSessions();
  assert.equal(await reg.getSession(s.id), undefined);
  assert.equal(revoked.length, before + 1);
  assert.equal(revoked.at(-1), s.id);
});

test('the user info page shows the identity; sign-out ends the session everywhere and goes through the IdP logout', async () => {
  const info = await browser.fetch(`${stack.authUrl}/.pomerium/`);
  assert.equal(info.status, 200);
  assert.ok(info.body.includes(USER.email));
  assert.match(info.body, /Active tunnels/);
  const sessionsBefore = (await stack.ctx.registry.listSessions()).length;
  const revokedBefore = revoked.length;
  const out = await browser.fetch(`${stack.authUrl}/.pomerium/sign_out`);
  assert.equal(out.status, 302);
  assert.ok(out.location?.startsWith(`${stack.issuer}/session/end`), out.location);
  assert.equal(browser.cookies('authenticate.localhost').get('_pomerium'), undefined);
  assert.equal((await stack.ctx.registry.listSessions()).length, sessionsBefore - 1);
  assert.equal(revoked.length, revokedBefore + 1);
  const again = await browser.fetch(`${stack.authUrl}/.pomerium/`);
  assert.equal(again.status, 302);
});
