// Security cases, internal calls (issue 12): the data-plane CONNECT listener, the authz HTTP API and
// the authn→proxy-edge handoff refuse missing, expired, wrong-audience and wrong-purpose tokens.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { signInternalToken } from '@drawbridge/protocol';
import type { SshClient } from '../kit/index.js';
import { type Gateway, startGateway } from './lib/gateway.js';
import { httpsRequest } from './lib/https.js';

let gw: Gateway;
let tunnel: SshClient;

before(async () => {
  gw = await startGateway({ name: 'internal' });
  tunnel = await gw.publish('hello.localhost');
});
after(async () => {
  await tunnel?.stop();
  await gw?.stop();
});

const HOUR_AGO = Date.now() - 3_600_000;

function connectStatus(address: string, target: string, token?: string): Promise<number> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const req = request({
      host: address.slice(0, i),
      port: Number(address.slice(i + 1)),
      method: 'CONNECT',
      path: target,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    req.on('connect', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

test('the data-plane CONNECT refuses missing, expired, wrong-audience, wrong-purpose and other-tunnel tokens', async () => {
  const t = gw.edge.tunnels().find((x) => x.bindHost === 'hello.localhost');
  assert.ok(t);
  const s = gw.sharedSecret;
  const good = await signInternalToken(s, 'data-plane', { aud: 'data-plane', sub: t.id }, 30);
  const bad: Record<string, string | undefined> = {
    missing: undefined,
    garbage: 'not.a.jwt',
    expired: await signInternalToken(s, 'data-plane', { aud: 'data-plane', sub: t.id }, 30, HOUR_AGO),
    'wrong audience': await signInternalToken(s, 'data-plane', { aud: 'authz', sub: t.id }, 30),
    'wrong purpose key': await signInternalToken(s, 'internal-api', { aud: 'data-plane', sub: t.id }, 30),
    'another secret': await signInternalToken(
      Buffer.alloc(32, 7).toString('base64'),
      'data-plane',
      { aud: 'data-plane', sub: t.id },
      30,
    ),
    'another tunnel': await signInternalToken(
      s,
      'data-plane',
      { aud: 'data-plane', sub: 'other-tunnel' },
      30,
    ),
  };
  for (const [name, token] of Object.entries(bad)) {
    assert.equal(await connectStatus(t.dataPlaneAddress, `${t.id}:0`, token), 401, name);
  }
  assert.equal(await connectStatus(t.dataPlaneAddress, `${t.id}:0`, good), 200, 'control: a valid token');
});

function evaluateStatus(port: number, token?: string): Promise<number> {
  const body = JSON.stringify({
    routeFrom: gw.url('hello.localhost').replace(/\/$/, ''),
    kind: 'http',
    identity: null,
  });
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/evaluate',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

test('the authz HTTP API refuses missing, expired, wrong-audience and wrong-purpose tokens', async () => {
  const port = gw.authz.httpPort;
  assert.ok(port);
  const s = gw.sharedSecret;
  const bad: Record<string, string | undefined> = {
    missing: undefined,
    expired: await signInternalToken(s, 'internal-api', { aud: 'authz', sub: 'proxy-edge' }, 30, HOUR_AGO),
    'wrong audience': await signInternalToken(
      s,
      'internal-api',
      { aud: 'data-plane', sub: 'proxy-edge' },
      30,
    ),
    'wrong purpose key': await signInternalToken(s, 'data-plane', { aud: 'authz', sub: 'proxy-edge' }, 30),
  };
  for (const [name, token] of Object.entries(bad)) assert.equal(await evaluateStatus(port, token), 401, name);
  const good = await signInternalToken(s, 'internal-api', { aud: 'authz', sub: 'proxy-edge' }, 30);
  assert.notEqual(await evaluateStatus(port, good), 401, 'control: a valid token passes authentication');
});

test('the authn handoff to a route host refuses missing, expired, other-host and wrong-purpose tokens', async () => {
  const s = gw.sharedSecret;
  const [session] = await gw.started.ctx.registry.listSessions();
  const sub = session?.id ?? 'no-session';
  const bad: Record<string, string> = {
    missing: '',
    expired: await signInternalToken(s, 'handoff', { aud: 'hello.localhost', sub }, 60, HOUR_AGO),
    'other host': await signInternalToken(s, 'handoff', { aud: 'admin.localhost', sub }, 60),
    'wrong purpose key': await signInternalToken(s, 'data-plane', { aud: 'hello.localhost', sub }, 60),
  };
  for (const [name, token] of Object.entries(bad)) {
    const q = new URLSearchParams({
      pomerium_handoff: token,
      pomerium_redirect_uri: gw.url('hello.localhost', '/'),
    });
    const r = await httpsRequest(gw.httpsPort, {
      host: `hello.localhost:${gw.httpsPort}`,
      path: `/.pomerium/callback?${q}`,
    });
    assert.ok(r.status >= 400, `${name}: ${r.status}`);
    assert.ok(!String(r.headers['set-cookie'] ?? '').includes('_pomerium='), `${name}: no session cookie`);
  }
});
