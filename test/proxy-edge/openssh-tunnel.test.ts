// proxy-edge in front of a real ssh-edge holding a tunnel opened by the stock OpenSSH client
// (`ssh -R hello.localhost:443:127.0.0.1:<port> -N`). One proxy-edge dials in-process (all-in-one
// wiring), a second one reaches the same tunnel through ssh-edge's data plane (HTTP CONNECT).
// Imports services by path because test/package.json does not (yet) depend on them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConfigSource } from '@drawbridge/config';
import { randomId, type Session, sealSessionCookie } from '@drawbridge/protocol';
import { Agent, request } from 'undici';
import { WebSocketServer } from 'ws';
import type { ServiceContext } from '../../packages/runtime/src/index.js';
import { createProxyEdge, type ProxyEdge } from '../../services/proxy-edge/src/index.js';
import { newClientKey, type SshClient } from '../kit/index.js';
import {
  ALICE,
  engineAuthz,
  type Harness,
  identityFor,
  signCertificate,
  startHarness,
  waitUntil,
} from '../ssh-edge/harness.js';

const HOST = 'hello.localhost';
let h: Harness;
let local: ProxyEdge;
let remote: ProxyEdge;
let cookie: string;
let key: string;
let cert: string;
let ssh: SshClient | undefined;
let wss: WebSocketServer;
const client = new Agent({ connect: { rejectUnauthorized: false } });

/** The same live config with another listen address, so two proxy-edges can run side by side. */
function withAddress(source: ConfigSource, address: string): ConfigSource {
  return {
    ...source,
    current: () => {
      const l = source.current();
      return { ...l, config: { ...l.config, address } };
    },
  };
}

async function get(edge: ProxyEdge, path = '/', headers: Record<string, string> = {}) {
  const res = await request(`${edge.url()}${path}`, {
    dispatcher: client,
    headers: { host: HOST, cookie, ...headers },
  });
  return { status: res.statusCode, text: await res.body.text() };
}

function openTunnel(): SshClient {
  return h.ssh(key, [
    '-o',
    `CertificateFile=${cert}`,
    '-o',
    'ExitOnForwardFailure=yes',
    ...h.forwardArgs(HOST, 443),
  ]);
}

before(async () => {
  h = await startHarness();
  // The tutorial's hello service also answers WebSockets here (echo).
  wss = new WebSocketServer({ server: h.hello.server });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo: ${String(m)}`)));
  key = newClientKey(h.dir, 'ed25519', 'alice');
  cert = signCertificate(h.caKey, key, {
    keyId: `drawbridge:${ALICE}:sid-pe`,
    principals: ALICE,
    validity: '+1h',
  });
  const authz = engineAuthz(() => {
    const l = h.ctx.config.current();
    return { config: { routes: l.config.routes }, generation: l.generation };
  });
  local = createProxyEdge(h.ctx, {
    authz,
    authenticateUrl: () => 'http://127.0.0.1:9',
    localDialers: new Map([[h.edge.edgeId, h.edge.dialer]]),
  });
  const remoteCtx: ServiceContext = { ...h.ctx, config: withAddress(h.ctx.config, '127.0.0.1:0') };
  remote = createProxyEdge(remoteCtx, { authz, authenticateUrl: () => 'http://127.0.0.1:9' });
  await local.start();
  await remote.start();
  const now = Date.now();
  const session: Session = {
    id: randomId(),
    identity: identityFor(ALICE),
    createdAt: now,
    expiresAt: now + 3_600_000,
    origin: 'browser',
  };
  await h.ctx.registry.putSession(session);
  const c = h.ctx.config.current().config;
  cookie = `_pomerium=${await sealSessionCookie(c.cookie_secret, { sid: session.id, host: HOST, iat: Math.floor(now / 1000), exp: Math.floor(session.expiresAt / 1000) })}`;
  ssh = openTunnel();
  await waitUntil(
    () => local.tunnels().length === 1 && remote.tunnels().length === 1,
    15_000,
    'tunnel seen by both proxy-edges',
  );
});

after(async () => {
  await ssh?.stop().catch(() => {});
  await local?.stop({ graceMs: 100 });
  await remote?.stop({ graceMs: 100 });
  wss?.close();
  await client.close();
  await h?.close();
});

test('an allowed visitor gets the local service through the OpenSSH tunnel, in-process and over the data plane', {
  timeout: 30_000,
}, async () => {
  for (const edge of [local, remote]) {
    const res = await get(edge);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, 'Hello world!\n');
  }
  const before = h.hello.requests();
  for (let i = 0; i < 20; i++) assert.equal((await get(remote, `/n${i}`)).status, 200);
  assert.equal(h.hello.requests() - before, 20);
});

test('a route policy edit excluding the user gives 403 within 1 s; restoring it gives 200', {
  timeout: 30_000,
}, async () => {
  const sed = (expr: string) => execFileSync('sed', ['-i', '-E', expr, h.configFile]);
  // Only the visit policy (16 spaces); ssh_policy (18) keeps allowing the tunnel.
  sed(`s/^( {16})is: ${ALICE}$/\\1is: bob@example.com/`);
  const t0 = Date.now();
  while ((await get(local)).status !== 403) {
    assert.ok(Date.now() - t0 < 1000, 'not 403 within 1 s');
    await sleep(20);
  }
  const page = await get(local, '/', { accept: 'text/html' });
  assert.equal(page.status, 403);
  assert.match(page.text, /alice@example\.com/);
  sed(`s/^( {16})is: bob@example.com$/\\1is: ${ALICE}/`);
  const t1 = Date.now();
  while ((await get(local)).status !== 200) {
    assert.ok(Date.now() - t1 < 1000, 'not 200 again within 1 s');
    await sleep(20);
  }
});

test('WebSocket echo through the OpenSSH tunnel', { timeout: 30_000 }, async () => {
  const { WebSocket } = await import('ws');
  for (const edge of [local, remote]) {
    const ws = new WebSocket(`wss://127.0.0.1:${edge.port()}/ws`, {
      headers: { host: HOST, cookie },
      rejectUnauthorized: false,
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const reply = new Promise<string>((resolve) => ws.once('message', (m) => resolve(String(m))));
    ws.send('hi');
    assert.equal(await reply, 'echo: hi');
    ws.close();
  }
});

test('the tunnel going away gives 503; a new ssh -R gives 200 again', { timeout: 30_000 }, async () => {
  await ssh?.stop();
  await waitUntil(() => local.tunnels().length === 0, 5_000, 'tunnel dropped');
  const gone = await get(local, '/', { accept: 'text/html' });
  assert.equal(gone.status, 503);
  assert.match(gone.text, /No healthy upstream/);
  ssh = openTunnel();
  await waitUntil(
    () => local.tunnels().length === 1 && remote.tunnels().length === 1,
    15_000,
    'tunnel re-attached',
  );
  assert.equal((await get(local)).status, 200);
  assert.equal((await get(remote)).status, 200);
});

test('unknown hosts get 404', async () => {
  const res = await request(`${local.url()}/`, { dispatcher: client, headers: { host: 'nobody.localhost' } });
  assert.equal(res.statusCode, 404);
  await res.body.dump();
});
