// Security cases, sign-in (issue 12): attacks on the browser half of `ssh -R` sign-in against a
// running all-in-one gateway — user-code guessing, reuse, CSRF, framing, key substitution, OIDC
// callback tampering and open redirects. The stock OpenSSH client asks for the codes; the browser is
// plain HTTP (BrowserSession) except for framing, which only a real Chromium can judge.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { BrowserSession, PageResponse } from '../deploy/lib/browser-session.js';
import { launchBrowser, newClientKey, type SshClient, waitUntil } from '../kit/index.js';
import { type Gateway, startGateway } from './lib/gateway.js';
import { cookieFor, httpsRequest } from './lib/https.js';

const EXPIRY_MS = 2_000;
const CODE_URL = /https:\/\/\S+\/\.pomerium\/sign_in\?user_code=([A-Za-z0-9_-]+)/;
const SIGNIN_EXPIRED = /not approved in time/;
let gw: Gateway;
let browser: BrowserSession;
let chromium: Browser | undefined;
const servers: Server[] = [];

before(async () => {
  gw = await startGateway({
    name: 'signin',
    configEdit: (t) => t.replace(/^max_request_body_bytes: .*$/m, `$&\nssh_signin_expiry: 2s`),
  });
  browser = await gw.signedInBrowser();
});
after(async () => {
  await chromium?.close();
  for (const s of servers) s.close();
  await gw?.stop();
});

const registry = () => gw.started.ctx.registry;
const authn = (path: string) => gw.url('authenticate.localhost', path);

interface Pending {
  client: SshClient;
  url: string;
  code: string;
  key: string;
  fingerprint: string;
}

/** A plain key asking to publish hello.localhost: resolves once the sign-in URL is printed. */
async function pendingSignin(name: string): Promise<Pending> {
  const key = newClientKey(gw.dir, 'ed25519', `${name}-${Date.now()}`);
  const fingerprint =
    execFileSync('ssh-keygen', ['-lf', `${key}.pub`], { encoding: 'utf8' }).split(' ')[1] ?? '';
  const client = gw.ssh(key, ['-v', '-N', '-R', `hello.localhost:443:127.0.0.1:${gw.upstream.port}`]);
  const [url, code] = await client.waitFor(CODE_URL);
  return { client, url, code: code ?? '', key, fingerprint };
}

async function status(code: string): Promise<string | undefined> {
  return (await registry().getSignin(code))?.status;
}

/** The Verify Sign In form of `page` with `fill` over its fields, posted with any extra headers. */
function postForm(
  page: PageResponse,
  fill: Record<string, string | undefined>,
  headers: Record<string, string> = {},
) {
  const fields: Record<string, string> = {};
  for (const m of page.body.matchAll(/<input\b[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"/g))
    fields[m[1] as string] = m[2] as string;
  for (const [k, v] of Object.entries(fill)) {
    if (v === undefined) delete fields[k];
    else fields[k] = v;
  }
  const body = new URLSearchParams(fields).toString();
  return httpsRequest(gw.httpsPort, {
    host: `authenticate.localhost:${gw.httpsPort}`,
    method: 'POST',
    path: '/.pomerium/sign_in/verify',
    headers: {
      cookie: cookieFor(browser, 'authenticate.localhost'),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
      ...headers,
    },
    body,
  });
}

test('Authorize without a CSRF token, with a wrong one, with another code’s or from another origin is refused; the sign-in stays pending', {
  timeout: 30_000,
}, async () => {
  const [p, other] = await Promise.all([pendingSignin('csrf'), pendingSignin('csrf-other')]);
  const page = await browser.navigate(p.url);
  assert.match(page.body, /Verify Sign In/);
  const otherPage = await browser.navigate(other.url);
  const otherToken = /name="csrf_token" value="([^"]+)"/.exec(otherPage.body)?.[1];
  assert.ok(otherToken, 'the page carries a CSRF token');

  const attempts: Array<[string, Record<string, string | undefined>, Record<string, string>]> = [
    ['no token', { csrf_token: undefined, decision: 'authorize' }, {}],
    ['a wrong token', { csrf_token: 'A'.repeat(43), decision: 'authorize' }, {}],
    ['the token of another code', { csrf_token: otherToken, decision: 'authorize' }, {}],
    ['a foreign Origin', { decision: 'authorize' }, { origin: 'https://evil.example' }],
    ['a null Origin', { decision: 'authorize' }, { origin: 'null' }],
  ];
  for (const [what, fill, headers] of attempts) {
    const r = await postForm(page, fill, headers);
    assert.equal(r.status, 403, `${what}: ${r.status} ${r.body.slice(0, 200)}`);
    assert.match(r.body, /Request refused/, what);
    assert.equal(await status(p.code), 'pending', `${what}: the sign-in must stay pending`);
  }
  assert.ok(p.client.running && !/Authenticated to/.test(p.client.output), 'ssh still waits');
  // Control: the untouched form from our own origin is accepted.
  const ok = await postForm(
    page,
    { decision: 'authorize' },
    { origin: `https://authenticate.localhost:${gw.httpsPort}` },
  );
  assert.equal(ok.status, 200, ok.body.slice(0, 300));
  await p.client.waitFor(/Authenticated to/);
  await Promise.all([p.client.stop('SIGKILL'), other.client.stop('SIGKILL')]);
});

test('a used code and an expired code get a clear 410 page; the expired ssh client is told so', {
  timeout: 30_000,
}, async () => {
  const used = await pendingSignin('used');
  const page = await browser.navigate(used.url);
  const done = await browser.submit(page, { decision: 'authorize' });
  assert.equal(done.status, 200);
  await used.client.waitFor(/Authenticated to/);
  const again = await browser.navigate(used.url);
  assert.equal(again.status, 410, again.body.slice(0, 300));
  assert.match(again.body, /already used/i);
  const repost = await postForm(page, { decision: 'authorize' });
  assert.equal(repost.status, 410, 'a second Authorize of the same code');
  assert.match(repost.body, /already used/i);

  const stale = await pendingSignin('expired');
  const fresh = await browser.navigate(stale.url);
  assert.match(fresh.body, /Verify Sign In/);
  await new Promise((r) => setTimeout(r, EXPIRY_MS + 500));
  const expired = await browser.navigate(stale.url);
  assert.equal(expired.status, 410, expired.body.slice(0, 300));
  assert.match(expired.body, /expired/i);
  const late = await postForm(fresh, { decision: 'authorize' });
  assert.equal(late.status, 410, 'Authorize after expiry');
  assert.match(late.body, /expired/i);
  await stale.client.waitFor(SIGNIN_EXPIRED);
  assert.ok(!/Authenticated to/.test(stale.client.output), stale.client.output);
  await Promise.all([used.client.stop('SIGKILL'), stale.client.stop('SIGKILL')]);
});

test('approving a code binds exactly the key of that pending sign-in: the other client keeps waiting and stays unbound', {
  timeout: 40_000,
}, async () => {
  const [a, b] = await Promise.all([pendingSignin('key-a'), pendingSignin('key-b')]);
  assert.notEqual(a.fingerprint, b.fingerprint);
  const page = await browser.navigate(a.url);
  assert.ok(page.body.includes(a.fingerprint), 'Verify Sign In shows key A');
  assert.ok(!page.body.includes(b.fingerprint), 'and not key B');
  // Extra fields naming key B are ignored: the key comes from the pending record, not from the form.
  const [, bBlob] = execFileSync('cat', [`${b.key}.pub`], { encoding: 'utf8' }).split(' ');
  const r = await postForm(page, {
    decision: 'authorize',
    remember: 'on',
    key_fingerprint: b.fingerprint,
    fingerprint: b.fingerprint,
    public_key: `ssh-ed25519 ${bBlob}`,
    user_code_b: b.code,
  });
  assert.equal(r.status, 200, r.body.slice(0, 300));
  await a.client.waitFor(/Authenticated to/);
  assert.ok(b.client.running, 'client B still waits');
  assert.ok(!/Authenticated to/.test(b.client.output), 'client B is not authenticated');
  assert.equal(await status(b.code), 'pending');
  assert.ok(await registry().getKeyBinding(a.fingerprint), 'key A is bound');
  assert.equal(await registry().getKeyBinding(b.fingerprint), undefined, 'key B is not bound');
  // B's sign-in runs out on its own; a new connection with key B still needs the browser, key A none.
  await b.client.waitFor(SIGNIN_EXPIRED);
  const b2 = gw.ssh(b.key, ['-v', '-N']);
  await b2.waitFor(CODE_URL);
  const a2 = gw.ssh(a.key, ['-v', '-N']);
  await a2.waitFor(/Authenticated to/);
  assert.ok(!CODE_URL.test(a2.output), 'key A needs no browser');
  await Promise.all([a.client, b.client, a2, b2].map((c) => c.stop('SIGKILL')));
});

test('the Verify Sign In page forbids framing, and Chromium refuses to show it inside another site', {
  timeout: 60_000,
}, async () => {
  chromium = await launchBrowser();
  const context = await chromium.newContext({ ignoreHTTPSErrors: true });
  // The victim's session cookie, as authn set it (host-only, SameSite=Lax). The attacker's page is
  // another origin of the same site (another port): the cookie goes along with the framed request,
  // so only the page's own framing policy stands between the attacker and the Authorize button.
  const cookies = cookieFor(browser, 'authenticate.localhost')
    .split('; ')
    .map((kv) => kv.split('='))
    .map(([name, ...v]) => ({
      name: name as string,
      value: v.join('='),
      domain: 'authenticate.localhost',
      path: '/',
      secure: true,
      httpOnly: true,
      sameSite: 'Lax' as const,
    }));
  await context.addCookies(cookies);
  const control = await listen((_q, s) => s.end('<p id="c">frameable-control</p>'));
  const p = await pendingSignin('frame');
  // Fetched directly, the page is the real Verify Sign In with an Authorize button, and forbids framing.
  const direct = await browser.navigate(p.url);
  assert.match(direct.body, /Verify Sign In[\s\S]*Authorize/);
  assert.match(String(direct.headers['content-security-policy']), /frame-ancestors 'none'/);
  assert.equal(String(direct.headers['x-frame-options']).toUpperCase(), 'DENY');
  const attacker = await listen((_q, s) => {
    s.setHeader('content-type', 'text/html');
    s.end(
      `<h1>win a prize</h1><iframe name="victim" src="${p.url}"></iframe><iframe name="control" src="https://authenticate.localhost:${control}/"></iframe>`,
    );
  });
  const page = await context.newPage();
  let frameHeaders: Record<string, string> | undefined;
  let frameStatus = 0;
  page.on('response', (res) => {
    if (res.url() !== p.url) return;
    frameHeaders = res.headers();
    frameStatus = res.status();
  });
  await page.goto(`https://authenticate.localhost:${attacker}/`, { waitUntil: 'load', timeout: 20_000 });
  await waitUntil(() => frameHeaders !== undefined, 10_000, 'the framed sign-in response');
  // The gateway did answer the framed request with the real page (the cookie went along) ...
  assert.equal(frameStatus, 200);
  const headers = frameHeaders ?? {};
  assert.match(headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
  assert.equal((headers['x-frame-options'] ?? '').toUpperCase(), 'DENY');

  const controlFrame = page.frame({ name: 'control' });
  assert.match(
    (await controlFrame?.content()) ?? '',
    /frameable-control/,
    'a cross-origin frame loads at all',
  );
  // ... and the browser refused to render it there.
  const victim = page.frame({ name: 'victim' });
  const inside = (await victim?.content().catch(() => '')) ?? '';
  assert.ok(
    !/Verify Sign In|Authorize/.test(inside),
    `the sign-in page rendered inside the frame:\n${inside.slice(0, 300)}`,
  );
  assert.ok(
    !victim || victim.url() !== p.url || /chrome-error/.test(victim.url()) || inside === '',
    victim?.url(),
  );
  assert.equal(await status(p.code), 'pending');

  await context.close();
  await p.client.stop('SIGKILL');
});

/** Follows a sign-in up to the IdP's redirect to `/oauth2/callback` and returns that URL, unvisited. */
async function callbackUrl(b: BrowserSession): Promise<string> {
  let captured: string | undefined;
  const original = b.request.bind(b);
  b.request = async (url, init) => {
    if (new URL(url).pathname === '/oauth2/callback' && captured === undefined) {
      captured = url;
      return { url, status: 200, headers: {}, body: '' };
    }
    return original(url, init);
  };
  try {
    const login = await b.navigate(authn('/.pomerium/'));
    assert.match(login.body, /name="password"/);
    await b.submit(login, { email: 'alice@example.com', password: gw.password });
  } finally {
    b.request = original;
  }
  assert.ok(captured, 'the IdP redirected back to /oauth2/callback');
  return captured;
}

function sessionCookieSet(r: PageResponse): boolean {
  return (r.headers['set-cookie'] ?? []).some((c) => /^_pomerium=[^;]+/.test(c));
}

test('OIDC callback tampering is refused: altered state, a replayed callback, a code from another login', {
  timeout: 30_000,
}, async () => {
  const victim = gw.browser();
  const cb = await callbackUrl(victim);
  const loginCookie = cookieFor(victim, 'authenticate.localhost');
  const state = new URL(cb).searchParams.get('state') ?? '';
  const altered = new URL(cb);
  altered.searchParams.set('state', `${state.slice(0, -2)}${state.endsWith('AA') ? 'BB' : 'AA'}`);
  const r1 = await victim.request(altered.toString());
  assert.equal(r1.status, 400, 'altered state');
  assert.ok(!sessionCookieSet(r1));

  // A code issued to another login (its own PKCE challenge and nonce) in this login's callback.
  const other = gw.browser();
  const otherCb = await callbackUrl(other);
  const swapped = new URL(cb);
  swapped.searchParams.set('code', new URL(otherCb).searchParams.get('code') ?? '');
  const r2 = await httpsRequest(gw.httpsPort, {
    host: `authenticate.localhost:${gw.httpsPort}`,
    path: `${swapped.pathname}${swapped.search}`,
    headers: { cookie: loginCookie },
  });
  assert.equal(r2.status, 400, `code from another login: ${r2.body.slice(0, 300)}`);
  // Refused by the IdP's code exchange (PKCE verifier / nonce of this login), not by a state check.
  assert.match(r2.body, /answer was refused/);
  assert.ok(!(r2.headers['set-cookie'] as string[] | undefined)?.some((c) => c.startsWith('_pomerium=')));

  // The other login's own callback is fine, once; replayed with the same login cookie it is refused.
  const otherCookie = cookieFor(other, 'authenticate.localhost');
  const replay = () =>
    httpsRequest(gw.httpsPort, {
      host: `authenticate.localhost:${gw.httpsPort}`,
      path: new URL(otherCb).pathname + new URL(otherCb).search,
      headers: { cookie: otherCookie },
    });
  const first = await replay();
  assert.equal(first.status, 302, `the genuine callback signs in: ${first.body.slice(0, 300)}`);
  assert.ok((first.headers['set-cookie'] as string[]).some((c) => /^_pomerium=[^;]+/.test(c)));
  const second = await replay();
  assert.equal(second.status, 400, 'replayed callback');
  assert.match(second.body, /already used/i);
  assert.ok(!(second.headers['set-cookie'] as string[] | undefined)?.some((c) => /^_pomerium=[^;]+/.test(c)));

  // A callback without the login cookie of the browser that started it is refused.
  const r3 = await httpsRequest(gw.httpsPort, {
    host: `authenticate.localhost:${gw.httpsPort}`,
    path: new URL(cb).pathname + new URL(cb).search,
  });
  assert.equal(r3.status, 400, 'callback without the login cookie of its browser');
  assert.ok(!sessionCookieSet({ ...r3, url: '' }));
});

test('pomerium_redirect_uri outside the gateway’s hosts is refused with 400 and no redirect', {
  timeout: 30_000,
}, async () => {
  const evil = [
    'https://evil.example',
    '//evil.example',
    'https://hello.localhost.evil.example/',
    `https://hello.localhost.evil.example:${gw.httpsPort}/`,
    'javascript:alert(1)',
    'JaVaScRiPt://hello.localhost/%0aalert(1)',
    'data:text/html,<script>alert(1)</script>',
    `https://evil.example@hello.localhost:${gw.httpsPort}/`,
    '/\\evil.example',
    'https://evil.example\\@hello.localhost/',
  ];
  const cookie = cookieFor(browser, 'authenticate.localhost');
  for (const target of evil) {
    for (const c of [cookie, '']) {
      const r = await httpsRequest(gw.httpsPort, {
        host: `authenticate.localhost:${gw.httpsPort}`,
        path: `/.pomerium/sign_in?pomerium_redirect_uri=${encodeURIComponent(target)}`,
        headers: { cookie: c, accept: 'text/html' },
      });
      assert.equal(
        r.status,
        400,
        `${target} (${c ? 'signed in' : 'anonymous'}): ${r.status} ${r.headers.location ?? ''}`,
      );
      assert.equal(r.headers.location, undefined, target);
      assert.match(r.body, /Redirect not allowed/);
    }
  }
  // Control: a route host of this gateway is a redirect (through the handoff on that host).
  const ok = await httpsRequest(gw.httpsPort, {
    host: `authenticate.localhost:${gw.httpsPort}`,
    path: `/.pomerium/sign_in?pomerium_redirect_uri=${encodeURIComponent(gw.url('hello.localhost', '/x'))}`,
    headers: { cookie },
  });
  assert.equal(ok.status, 302);
  assert.match(
    String(ok.headers.location),
    new RegExp(`^https://hello\\.localhost:${gw.httpsPort}/\\.pomerium/callback\\?`),
  );
  // The route host's own callback never sends the browser elsewhere either.
  for (const target of ['https://evil.example/', '//evil.example']) {
    const r = await httpsRequest(gw.httpsPort, {
      host: `hello.localhost:${gw.httpsPort}`,
      path: `/.pomerium/callback?pomerium_handoff=x&pomerium_redirect_uri=${encodeURIComponent(target)}`,
      headers: { accept: 'text/html' },
    });
    assert.equal(r.status, 400);
    assert.ok(
      !/evil\.example/.test(String(r.headers.location ?? '')) && !/href="[^"]*evil/.test(r.body),
      target,
    );
  }
});

// Last: it uses up this address's sign-in budget for the rest of the minute.
test('user codes are 128-bit and guessing them is rate-limited (429), X-Forwarded-For or not', {
  timeout: 30_000,
}, async () => {
  const codes = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const p = await pendingSignin(`code${i}`);
    assert.match(p.code, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(Buffer.from(p.code, 'base64url').length, 16, '128 bits');
    codes.add(p.code);
    await p.client.stop('SIGKILL');
  }
  assert.equal(codes.size, 3);
  const statuses: number[] = [];
  for (let i = 0; i < 45; i++) {
    const guess = Buffer.from(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256))).toString(
      'base64url',
    );
    const r = await httpsRequest(gw.httpsPort, {
      host: `authenticate.localhost:${gw.httpsPort}`,
      path: `/.pomerium/sign_in?user_code=${guess}`,
      headers: { cookie: cookieFor(browser, 'authenticate.localhost'), 'x-forwarded-for': `203.0.113.${i}` },
    });
    statuses.push(r.status);
  }
  const first429 = statuses.indexOf(429);
  assert.ok(first429 >= 0, `no 429 in ${statuses.join(',')}`);
  assert.ok(first429 <= 30, `429 only after ${first429} guesses`);
  assert.ok(
    statuses.slice(0, first429).every((s) => s === 404),
    statuses.join(','),
  );
  assert.ok(
    statuses.slice(first429).every((s) => s === 429),
    'stays limited for the window',
  );
  // A real code from the same address is limited too (the limit is per address, not per code).
  const p = await pendingSignin('after-limit');
  const r = await browser.navigate(p.url);
  assert.equal(r.status, 429);
  assert.match(r.body, /Too many/i);
  await p.client.stop('SIGKILL');
});

/** An HTTPS server on another port of the gateway's hosts (its *.localhost certificate). */
function listen(handler: Parameters<typeof createServer>[1]): Promise<number> {
  const certs = join(gw.configDir, 'certs');
  const s = createServer(
    { cert: readFileSync(join(certs, 'cert.pem')), key: readFileSync(join(certs, 'key.pem')) },
    handler,
  );
  servers.push(s);
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
}
