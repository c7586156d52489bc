import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { signInternalToken } from '@drawbridge/protocol';
import { newClientKey } from '../kit/index.js';
import { ALICE, type Harness, signCertificate, startHarness, USER_CODE, waitUntil } from './harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

const attachedFor = (email: string) =>
  waitUntil(
    () => h.edge.tunnels().find((t) => t.identity.email === email && t.state === 'attached'),
    10_000,
    `tunnel of ${email}`,
  );

/** HTTP GET over a raw duplex (a forwarded-tcpip channel or a CONNECTed socket). */
function getOver(stream: import('node:stream').Duplex): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        createConnection: () => stream as never,
        path: '/',
        headers: { host: 'hello.localhost', connection: 'close' },
      },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve(body));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('a fresh key prints the sign-in text, approval attaches the tunnel, and both data planes reach the local service', {
  timeout: 30_000,
}, async () => {
  const key = newClientKey(h.dir, 'ed25519', 'fresh');
  const ssh = h.ssh(key, h.forwardArgs());
  const [, code] = await ssh.waitFor(USER_CODE);
  assert.match(
    ssh.output,
    /Please sign in with oidc to continue\r?\nhttps:\/\/authenticate\.localhost(:\d+)?\/\.pomerium\/sign_in\?user_code=[A-Za-z0-9_-]{22}\r?\n/,
  );
  assert.doesNotMatch(ssh.output, /ssh-keygen/, 'a client with a key gets no key hint');
  const pending = await h.ctx.registry.getSignin(code!);
  assert.equal(pending?.status, 'pending');
  assert.match(pending?.keyFingerprint ?? '', /^SHA256:[A-Za-z0-9+/]{43}$/);
  assert.match(pending?.publicKey ?? '', /^ssh-ed25519 /);
  assert.equal(code!.length, 22);

  await h.approve(code!);
  const tunnel = await attachedFor(ALICE);
  assert.match(tunnel.routeFrom, /^https:\/\/hello\.localhost/);
  assert.ok(await h.ctx.registry.getTunnel(tunnel.id), 'tunnel is in the registry');
  assert.ok(ssh.running, 'ssh -N keeps running');

  // In-process dialer (all-in-one).
  const stream = await h.edge.dialer.dial(tunnel, { remoteAddress: '127.0.0.1', remotePort: 5555 });
  assert.equal(await getOver(stream), 'Hello world!\n');

  // Data-plane CONNECT listener (distributed).
  const secret = h.ctx.config.current().config.shared_secret;
  const [dpHost, dpPort] = h.edge.dataPlaneAddress().split(':');
  const connectOnce = (id: string, token?: string) =>
    new Promise<{ status: number; socket: import('node:net').Socket }>((resolve, reject) => {
      const req = request({
        host: dpHost,
        port: Number(dpPort),
        method: 'CONNECT',
        path: id,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      req.on('connect', (res, socket) => resolve({ status: res.statusCode ?? 0, socket }));
      req.on('response', (res) => resolve({ status: res.statusCode ?? 0, socket: res.socket }));
      req.on('error', reject);
      req.end();
    });
  const token = await signInternalToken(secret, 'data-plane', { aud: 'data-plane', sub: tunnel.id }, 60);
  const ok = await connectOnce(tunnel.id, token);
  assert.equal(ok.status, 200);
  assert.equal(await getOver(ok.socket), 'Hello world!\n');
  assert.equal((await connectOnce(tunnel.id)).status, 401, 'no token');
  const other = await signInternalToken(secret, 'data-plane', { aud: 'data-plane', sub: 'another' }, 60);
  assert.equal((await connectOnce(tunnel.id, other)).status, 401, 'token for another tunnel');
  const unknown = await signInternalToken(
    secret,
    'data-plane',
    { aud: 'data-plane', sub: 'nosuchtunnel' },
    60,
  );
  assert.equal((await connectOnce('nosuchtunnel', unknown)).status, 404);
  assert.equal(h.hello.requests(), 2);

  // Reconnecting with the same key skips the browser.
  await ssh.stop();
  await waitUntil(
    async () => !(await h.ctx.registry.getTunnel(tunnel.id)),
    5000,
    'tunnel record removed on disconnect',
  );
  const again = h.ssh(key, h.forwardArgs());
  const t2 = await waitUntil(
    () => h.edge.tunnels().find((t) => t.id !== tunnel.id && t.state === 'attached'),
    10_000,
    'second tunnel',
  );
  assert.equal(t2.identity.email, ALICE);
  assert.doesNotMatch(again.output, /sign in/);
  await again.stop();
});

test('a CA-signed certificate skips the browser; an expired one or one from another CA falls through to sign-in', {
  timeout: 30_000,
}, async () => {
  const key = newClientKey(h.dir, 'ed25519', 'certkey');
  const cert = signCertificate(h.caKey, key, {
    keyId: `drawbridge:${ALICE}:sid-123`,
    principals: ALICE,
    validity: '+1h',
  });
  const ssh = h.ssh(key, ['-o', `CertificateFile=${cert}`, ...h.forwardArgs()]);
  const t = await waitUntil(
    () => h.edge.tunnels().find((x) => x.sessionId === 'sid-123' && x.state === 'attached'),
    10_000,
    'cert tunnel',
  ).catch((err) => {
    throw new Error(
      `${err.message}\nssh:\n${ssh.output}\nlog:\n${h.logText().split('\n').slice(-15).join('\n')}`,
    );
  });
  assert.equal(t.identity.email, ALICE);
  assert.doesNotMatch(ssh.output, /sign in/);
  await ssh.stop();

  const expiredKey = newClientKey(h.dir, 'ed25519', 'expired');
  const expired = signCertificate(h.caKey, expiredKey, {
    keyId: `drawbridge:${ALICE}:sid-1`,
    principals: ALICE,
    validity: '20200101:20200102',
  });
  const s2 = h.ssh(expiredKey, ['-o', `CertificateFile=${expired}`, ...h.forwardArgs()]);
  await s2.waitFor(USER_CODE);
  await s2.stop();

  const otherCa = newClientKey(h.dir, 'ed25519', 'other_ca');
  const foreignKey = newClientKey(h.dir, 'ed25519', 'foreign');
  const foreign = signCertificate(otherCa, foreignKey, {
    keyId: `drawbridge:${ALICE}:sid-2`,
    principals: ALICE,
    validity: '+1h',
  });
  const s3 = h.ssh(foreignKey, ['-o', `CertificateFile=${foreign}`, ...h.forwardArgs()]);
  await s3.waitFor(USER_CODE);
  await s3.stop();
  assert.match(h.logText(), /not signed by the user CA/);
  assert.match(h.logText(), /certificate expired/);
});

test('a client with no key can sign in through keyboard-interactive and is told how to skip the browser', {
  timeout: 20_000,
}, async () => {
  const ssh = h.ssh(undefined, h.forwardArgs());
  const [, code] = await ssh.waitFor(USER_CODE);
  await ssh.waitFor(/ssh-keygen -t ed25519/);
  const pending = await h.ctx.registry.getSignin(code!);
  assert.equal(pending?.keyFingerprint, undefined);
  await h.approve(code!, 'carol@example.com');
  // carol may sign in but hello's ssh_policy names alice only: the forward is refused, ssh keeps going.
  await waitUntil(() => /tcpip-forward refused/.test(h.logText()), 5000, 'forward refusal logged');
  await ssh.stop();
});

test('a denied sign-in ends the attempt with a message', { timeout: 20_000 }, async () => {
  const key = newClientKey(h.dir, 'ed25519', 'denied');
  const ssh = h.ssh(key, h.forwardArgs());
  const [, code] = await ssh.waitFor(USER_CODE);
  await h.deny(code!);
  const exit = await ssh.exited;
  assert.notEqual(exit, 0);
  assert.match(ssh.output, /Sign-in was denied/);
});
