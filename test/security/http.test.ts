// Security cases, HTTP (issue 12): visitors attacking the public listener of a running all-in-one
// gateway; the published service behind a real OpenSSH tunnel records what reaches it.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { constants as h2, connect as h2connect } from 'node:http2';
import { after, before, test } from 'node:test';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import WebSocket from 'ws';
import type { BrowserSession } from '../deploy/lib/browser-session.js';
import { type SshClient, waitUntil } from '../kit/index.js';
import { ALICE, type Gateway, startGateway } from './lib/gateway.js';
import { cookieFor, httpsRequest, rawTls } from './lib/https.js';

let gw: Gateway;
let tunnels: SshClient[] = [];
let alice: BrowserSession;
let helloHost: string;
let adminHost: string;

before(async () => {
  gw = await startGateway({ name: 'http' });
  helloHost = `hello.localhost:${gw.httpsPort}`;
  adminHost = `admin.localhost:${gw.httpsPort}`;
  tunnels = [await gw.publish('hello.localhost'), await gw.publish('admin.localhost')];
  alice = await gw.signedInBrowser();
  for (const host of ['hello.localhost', 'admin.localhost']) {
    const r = await alice.navigate(gw.url(host, '/warm-up'));
    assert.equal(r.status, 200, `${host} serves alice: ${r.status} ${r.body.slice(0, 200)}`);
  }
});
after(async () => {
  for (const t of tunnels) await t.stop();
  await gw?.stop();
});

const seen = (path: string) => gw.upstream.requests.filter((r) => r.url === path);

test('spoofed X-Pomerium-Jwt-Assertion, X-Forwarded-* and identity headers never reach the upstream', async () => {
  const spoofed: Record<string, string> = {
    'x-pomerium-jwt-assertion': 'eyJhbGciOiJub25lIn0.eyJlbWFpbCI6ImJvYkBleGFtcGxlLmNvbSJ9.',
    'x-pomerium-claim-email': 'bob@example.com',
    'x-forwarded-for': '6.6.6.6',
    'x-forwarded-host': 'evil.example',
    'x-forwarded-proto': 'http',
    'x-forwarded-email': 'bob@example.com',
    'x-forwarded-user': 'bob',
    'x-forwarded-groups': 'admins',
    'x-real-ip': '6.6.6.6',
    forwarded: 'for=6.6.6.6;host=evil.example',
    'remote-user': 'bob',
    'x-auth-request-email': 'bob@example.com',
    'x-drawbridge-identity': 'bob@example.com',
  };
  const cookie = cookieFor(alice, 'hello.localhost');
  // Also hide them behind Connection: the gateway's own headers must not be droppable that way.
  const r = await httpsRequest(gw.httpsPort, {
    host: helloHost,
    path: '/spoof',
    headers: { ...spoofed, cookie, connection: 'keep-alive, x-forwarded-for, x-pomerium-jwt-assertion' },
  });
  assert.equal(r.status, 200);
  const [got] = seen('/spoof');
  assert.ok(got);
  for (const [name, value] of Object.entries(spoofed)) {
    assert.notEqual(got.headers[name], value, `${name} reached the upstream as sent`);
    assert.ok(
      !String(got.headers[name] ?? '').includes('6.6.6.6') &&
        !String(got.headers[name] ?? '').includes('bob'),
      name,
    );
  }
  assert.equal(got.headers['x-forwarded-for'], '127.0.0.1');
  const jwt = String(got.headers['x-pomerium-jwt-assertion'] ?? '');
  const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString());
  assert.equal(claims.email, ALICE, 'the assertion is the gateway’s, for the signed-in visitor');
  assert.doesNotMatch(
    String(got.headers.cookie ?? ''),
    /_pomerium=/,
    'the session cookie is not passed upstream',
  );
});

test('a Host header that does not match the TLS server name is answered 421', async () => {
  const cookie = cookieFor(alice, 'admin.localhost');
  const r = await httpsRequest(gw.httpsPort, {
    host: adminHost,
    sni: 'hello.localhost',
    path: '/misdirected',
    headers: { cookie },
  });
  assert.equal(r.status, 421);
  assert.equal(seen('/misdirected').length, 0);
  // Matching names, any letter case, are served.
  const ok = await httpsRequest(gw.httpsPort, {
    host: `ADMIN.localhost:${gw.httpsPort}`,
    sni: 'admin.localhost',
    path: '/directed',
    headers: { cookie },
  });
  assert.equal(ok.status, 200);
  // HTTP/2: the :authority of a stream on a connection opened for another name.
  const session = h2connect(`https://127.0.0.1:${gw.httpsPort}`, {
    servername: 'hello.localhost',
    rejectUnauthorized: false,
  });
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const s = session.request({ ':authority': adminHost, ':path': '/misdirected-h2', cookie });
      s.on('response', (h) => resolve(Number(h[':status'])));
      s.on('error', reject);
      s.resume();
      s.end();
    });
    assert.equal(status, 421);
  } finally {
    session.destroy();
  }
  assert.equal(seen('/misdirected-h2').length, 0);
});

/** Time until a visitor's request is answered 200 (other answers on the way are logged). */
async function responsive(): Promise<number> {
  const t0 = Date.now();
  const r = await waitUntil(
    async () => {
      const x = await httpsRequest(gw.httpsPort, {
        host: helloHost,
        path: '/probe',
        headers: { cookie: cookieFor(alice, 'hello.localhost') },
      }).catch((e: Error) => ({ status: 0, body: e.message }));
      if (x.status !== 200) console.log(`probe answered ${x.status}`);
      return x.status === 200 ? x : undefined;
    },
    10_000,
    'a visitor served',
  );
  assert.equal(r.status, 200);
  return Date.now() - t0;
}

test('HTTP/2 rapid reset and connection floods leave the gateway serving', { timeout: 60_000 }, async () => {
  const cookie = cookieFor(alice, 'hello.localhost');
  const before = seen('/reset').length;
  const session = h2connect(`https://127.0.0.1:${gw.httpsPort}`, {
    servername: 'hello.localhost',
    rejectUnauthorized: false,
  });
  session.on('error', () => {});
  await new Promise<void>((r) => session.once('connect', () => r()));
  let opened = 0;
  for (let i = 0; i < 10_000 && !session.destroyed && !session.closed; i++) {
    try {
      const s = session.request({ ':authority': helloHost, ':path': '/reset', cookie });
      s.on('error', () => {});
      s.close(h2.NGHTTP2_CANCEL);
      opened++;
    } catch {
      break;
    }
    if (i % 500 === 0) await new Promise((r) => setImmediate(r));
  }
  const t = await responsive();
  assert.ok(t < 5_000, `a visitor waited ${t} ms during the reset flood`);
  session.destroy();
  console.log(
    `rapid reset: ${opened} streams opened and reset; ${seen('/reset').length - before} reached the upstream`,
  );

  const idle: TLSSocket[] = [];
  try {
    for (let i = 0; i < 500; i++) {
      const s = tlsConnect({
        host: '127.0.0.1',
        port: gw.httpsPort,
        servername: 'hello.localhost',
        rejectUnauthorized: false,
      });
      s.on('error', () => {});
      idle.push(s);
    }
    await new Promise((r) => setTimeout(r, 1_000));
    const t2 = await responsive();
    assert.ok(t2 < 5_000, `a visitor waited ${t2} ms beside 500 idle connections`);
  } finally {
    for (const s of idle) s.destroy();
  }
});

test('CL/TE request smuggling variants are refused with 400 and nothing is smuggled', {
  timeout: 60_000,
}, async () => {
  const cookie = cookieFor(alice, 'hello.localhost');
  const smuggled = `GET /smuggled HTTP/1.1\r\nHost: ${helloHost}\r\nCookie: ${cookie}\r\n\r\n`;
  const head = (extra: string) =>
    `POST /front HTTP/1.1\r\nHost: ${helloHost}\r\nCookie: ${cookie}\r\n${extra}\r\n`;
  const variants: Record<string, string> = {
    'CL and TE': head(`Content-Length: 4\r\nTransfer-Encoding: chunked\r\n`) + `0\r\n\r\n${smuggled}`,
    'TE and CL': head(`Transfer-Encoding: chunked\r\nContent-Length: 60\r\n`) + `0\r\n\r\n${smuggled}`,
    'TE xchunked': head(`Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n`) + `0\r\n\r\n${smuggled}`,
    'TE with space before colon': head(`Transfer-Encoding : chunked\r\n`) + `0\r\n\r\n${smuggled}`,
    'TE chunked, identity': head(`Transfer-Encoding: chunked, identity\r\n`) + `0\r\n\r\n${smuggled}`,
    'two TE headers': head(`Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n`) + `0\r\n\r\n${smuggled}`,
    'two different Content-Lengths': head(`Content-Length: 0\r\nContent-Length: 40\r\n`) + smuggled,
    'TE line folding': head(`Transfer-Encoding:\r\n chunked\r\n`) + `0\r\n\r\n${smuggled}`,
    'bare LF in chunk size': head(`Transfer-Encoding: chunked\r\n`) + `0\n\r\n${smuggled}`,
    'chunk size with junk': head(`Transfer-Encoding: chunked\r\n`) + `0x0\r\n\r\n${smuggled}`,
  };
  const results: string[] = [];
  for (const [name, payload] of Object.entries(variants)) {
    const out = await rawTls(gw.httpsPort, 'hello.localhost', payload, 2_000);
    const status = /^HTTP\/1\.1 (\d{3})/.exec(out)?.[1];
    results.push(`${name}: ${status ?? 'closed'}`);
    assert.equal(status, '400', `${name}: ${out.slice(0, 200)}`);
  }
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(seen('/smuggled').length, 0, results.join('\n'));
  assert.equal(seen('/front').length, 0, 'no front request reached the upstream either');
});

/** Lowercase-insensitive? No: paths are case-sensitive. This is what an upstream router does to a path. */
function normalize(path: string): string {
  let p = path.split('?')[0] ?? '';
  for (let i = 0; i < 3; i++)
    p = p.replace(/%([0-9a-f]{2})/gi, (_m, h) => String.fromCharCode(Number.parseInt(h, 16)));
  p = p.replace(/\\/g, '/').replace(/\/{2,}/g, '/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '..') out.pop();
    else if (seg !== '.') out.push(seg);
  }
  return out.join('/') || '/';
}

test('path tricks (%2e%2e, //, encoded slashes, case) cannot bypass an http_path deny', {
  timeout: 60_000,
}, async () => {
  const cookie = cookieFor(alice, 'admin.localhost');
  const control = await httpsRequest(gw.httpsPort, {
    host: adminHost,
    path: '/admin/secret',
    headers: { cookie },
  });
  assert.equal(control.status, 403, 'the deny rule applies to the plain path');
  const tricks = [
    '/%61dmin/secret',
    '/%2e%2e/admin/secret',
    '/%2E%2E/admin/secret',
    '/x/%2e%2e/admin/secret',
    '/x/..%2fadmin/secret',
    '/./admin/secret',
    '/x/../admin/secret',
    '//admin/secret',
    '/%2fadmin/secret',
    '/%2Fadmin/secret',
    '/.%2fadmin/secret',
    '/\\admin/secret',
    '/%5cadmin/secret',
    '/admin%2fsecret',
    '/%252e%252e/admin/secret',
  ];
  const outcomes: string[] = [];
  for (const path of tricks) {
    const before = gw.upstream.requests.length;
    const r = await httpsRequest(gw.httpsPort, { host: adminHost, path, headers: { cookie } });
    const reached = gw.upstream.requests.slice(before).map((x) => x.url);
    outcomes.push(`${path} → ${r.status} ${reached.join(',')}`);
    for (const url of reached) {
      assert.ok(!normalize(url).startsWith('/admin'), `${path} reached the upstream as ${url} (${r.status})`);
    }
  }
  // Case: paths are case-sensitive (RFC 3986, Pomerium's http_path); what is checked is what is sent.
  const before = gw.upstream.requests.length;
  const upper = await httpsRequest(gw.httpsPort, {
    host: adminHost,
    path: '/ADMIN/secret',
    headers: { cookie },
  });
  if (upper.status === 200)
    assert.deepEqual(
      gw.upstream.requests.slice(before).map((x) => x.url),
      ['/ADMIN/secret'],
    );
  console.log(outcomes.join('\n'));
});

test('oversized headers get 431 and oversized bodies 413 (max_request_body_bytes)', {
  timeout: 30_000,
}, async () => {
  const cookie = cookieFor(alice, 'hello.localhost');
  const big = await rawTls(
    gw.httpsPort,
    'hello.localhost',
    `GET /big-header HTTP/1.1\r\nHost: ${helloHost}\r\nCookie: ${cookie}\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
  );
  assert.match(big, /^HTTP\/1\.1 431/);
  assert.equal(seen('/big-header').length, 0);

  const body = Buffer.alloc(200_000, 'b');
  const declared = await httpsRequest(gw.httpsPort, {
    host: helloHost,
    path: '/big-body',
    method: 'POST',
    headers: { cookie, 'content-length': String(body.length) },
    body,
  }).catch((e: Error) => ({ status: 0, body: e.message }));
  assert.equal(declared.status, 413);
  const chunked = await httpsRequest(gw.httpsPort, {
    host: helloHost,
    path: '/big-chunked',
    method: 'POST',
    headers: { cookie, 'transfer-encoding': 'chunked' },
    body,
  }).catch((e: Error) => ({ status: 0, body: e.message }));
  assert.ok(chunked.status === 413 || chunked.status === 0, `chunked: ${chunked.status}`);
  await new Promise((r) => setTimeout(r, 300));
  for (const p of ['/big-body', '/big-chunked']) {
    for (const r of seen(p))
      assert.ok(r.body.length <= 65_536, `${p}: upstream received ${r.body.length} bytes`);
  }
  // Within the limit still works.
  const small = await httpsRequest(gw.httpsPort, {
    host: helloHost,
    path: '/small-body',
    method: 'POST',
    headers: { cookie },
    body: 'x'.repeat(1000),
  });
  assert.equal(small.status, 200);
});

function openWs(cookie: string, path: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://${adminHost}${path}`, {
      headers: { cookie },
      rejectUnauthorized: false,
      // admin.localhost is this gateway on loopback; the TLS server name stays admin.localhost.
      lookup: ((_h: string, o: { all?: boolean }, cb: (e: null, a: unknown, f?: number) => void) =>
        o?.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) as never,
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`WebSocket upgrade answered ${res.statusCode}`)),
    );
  });
}

async function echoes(ws: WebSocket): Promise<void> {
  const got = new Promise<string>((r) => ws.once('message', (m) => r(String(m))));
  ws.send('ping');
  assert.equal(await got, 'echo: ping');
}

const closed = (ws: WebSocket) =>
  new Promise<void>((r) => (ws.readyState === WebSocket.CLOSED ? r() : ws.once('close', () => r())));

test('cookie tampering and a cookie of one route host replayed on another are rejected', async () => {
  const hello = cookieFor(alice, 'hello.localhost');
  const value = /_pomerium=([^;]+)/.exec(hello)?.[1] ?? '';
  assert.ok(value.length > 20);
  const flip = (i: number) => value.slice(0, i) + (value[i] === 'A' ? 'B' : 'A') + value.slice(i + 1);
  for (const tampered of [
    flip(10),
    flip(Math.floor(value.length / 2)),
    flip(value.length - 2),
    value.slice(0, -4),
    `${value}AAAA`,
  ]) {
    const r = await httpsRequest(gw.httpsPort, {
      host: helloHost,
      path: '/tampered',
      headers: { cookie: `_pomerium=${tampered}` },
    });
    assert.ok(r.status === 302 || r.status === 401, `tampered cookie answered ${r.status}`);
  }
  assert.equal(seen('/tampered').length, 0);
  const replay = await httpsRequest(gw.httpsPort, {
    host: adminHost,
    path: '/replayed',
    headers: { cookie: hello },
  });
  assert.ok(
    replay.status === 302 || replay.status === 401,
    `hello's cookie on admin answered ${replay.status}`,
  );
  assert.equal(seen('/replayed').length, 0);
  // Control: the untouched cookie on its own host is served.
  const ok = await httpsRequest(gw.httpsPort, {
    host: helloHost,
    path: '/untampered',
    headers: { cookie: hello },
  });
  assert.equal(ok.status, 200);
});

test('a WebSocket is closed when the route policy stops allowing its visitor, and when the session is revoked', {
  timeout: 60_000,
}, async () => {
  const cookie = cookieFor(alice, 'admin.localhost');
  const ws = await openWs(cookie, '/ws-policy');
  await echoes(ws);
  const original = readFileSync(gw.configFile, 'utf8');
  const edited = original.replace(
    /(from: https:\/\/admin\.localhost:\d+\n(?:.*\n)*?\s+is: )alice@example\.com/,
    '$1nobody@example.com',
  );
  assert.notEqual(edited, original);
  const t0 = Date.now();
  writeFileSync(gw.configFile, edited);
  try {
    await waitUntil(
      () => ws.readyState === WebSocket.CLOSED,
      10_000,
      'WebSocket closed after the policy edit',
    );
    console.log(`policy revoke closed the WebSocket in ${Date.now() - t0} ms`);
  } finally {
    writeFileSync(gw.configFile, original);
  }
  const again = await waitUntil(
    async () => openWs(cookie, '/ws-session').catch(() => undefined),
    10_000,
    'WebSocket allowed again',
  );
  await echoes(again);
  const signedOut = await alice.navigate(gw.url('authenticate.localhost', '/.pomerium/sign_out'));
  assert.ok(signedOut.status < 500);
  await waitUntil(() => again.readyState === WebSocket.CLOSED, 10_000, 'WebSocket closed after sign-out');
  await closed(again);
  await assert.rejects(openWs(cookie, '/ws-after'), /answered (302|401|403)/);
});
