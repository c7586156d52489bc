// Security cases, SSH (issue 12): attacks on the SSH listener of a running all-in-one gateway,
// with the stock OpenSSH client, the ssh2 client for what OpenSSH will not send, and raw sockets.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { signInternalToken } from '@drawbridge/protocol';
import ssh2 from 'ssh2';
import { newClientKey, waitUntil } from '../kit/index.js';
import { type Gateway, startGateway } from './lib/gateway.js';
import { closedWithin, rawConnect, serverKexAlgorithms, ssh2Attempt } from './lib/raw-ssh.js';

const MAX_CHANNELS = 32;
let gw: Gateway;

before(async () => {
  gw = await startGateway({
    name: 'ssh',
    configEdit: (t) =>
      t.replace(/^max_request_body_bytes: .*$/m, `$&\nssh_max_channels_per_tunnel: ${MAX_CHANNELS}`),
  });
});
after(async () => {
  await gw?.stop();
});

const SIGNIN_URL = /\/\.pomerium\/sign_in\?user_code=/;

/** OpenSSH with a certificate; resolves to 'authenticated' or 'sign-in' (fell back to the browser). */
async function certOutcome(key: string): Promise<'authenticated' | 'sign-in'> {
  const c = gw.ssh(key, ['-v', '-N'], ['-o', `CertificateFile=${key}-cert.pub`]);
  try {
    const [m] = await c.waitFor(/Authenticated to|\/\.pomerium\/sign_in\?user_code=/);
    return SIGNIN_URL.test(m) ? 'sign-in' : 'authenticated';
  } finally {
    await c.stop('SIGKILL');
  }
}

async function stillServesCertificates(): Promise<void> {
  assert.equal(
    await certOutcome(gw.certifiedKey(`control-${randomBytes(3).toString('hex')}`)),
    'authenticated',
  );
}

test('random bytes and truncated handshakes are dropped; the listener keeps serving', {
  timeout: 30_000,
}, async () => {
  const cases: Array<[string, Buffer[]]> = [
    ['random bytes', [randomBytes(4096)]],
    ['a banner then random bytes', [Buffer.from('SSH-2.0-x\r\n'), randomBytes(2048)]],
    ['a huge packet length', [Buffer.from('SSH-2.0-x\r\n'), Buffer.from([0x7f, 0xff, 0xff, 0xff, 10, 20])]],
    ['an endless identification line', [Buffer.alloc(64 * 1024, 'A')]],
  ];
  for (const [name, chunks] of cases) {
    const s = await rawConnect(gw.sshPort);
    s.on('error', () => {});
    for (const c of chunks) s.write(c);
    assert.ok(await closedWithin(s, 6_000), `${name}: the server should close the connection`);
  }
  // Truncated handshakes: cut off mid-banner and mid-KEXINIT, by us.
  for (const cut of [
    Buffer.from('SSH-2.0-tr'),
    Buffer.concat([Buffer.from('SSH-2.0-x\r\n'), Buffer.from([0, 0, 1, 0, 4, 20])]),
  ]) {
    const s = await rawConnect(gw.sshPort);
    s.end(cut);
    await closedWithin(s, 2_000);
  }
  await stillServesCertificates();
});

test('1,000 unauthenticated connections are timed out and do not stop another user from signing in', {
  timeout: 60_000,
}, async () => {
  const sockets: Socket[] = [];
  try {
    for (let i = 0; i < 1000; i++) {
      const s = await rawConnect(gw.sshPort);
      s.on('error', () => {});
      // Half of them say hello and stall; half never send a byte.
      if (i % 2 === 0) s.write('SSH-2.0-stalling\r\n');
      sockets.push(s);
    }
    const t0 = Date.now();
    await stillServesCertificates();
    assert.ok(Date.now() - t0 < 10_000, 'a real user is served while 1,000 connections stall');
    // ssh_unauthenticated_timeout is 4 s in this setup.
    const closed = await Promise.all(sockets.map((s) => closedWithin(s, 12_000)));
    assert.equal(closed.filter((c) => !c).length, 0, 'every stalled connection is closed by the server');
  } finally {
    for (const s of sockets) s.destroy();
  }
});

test('password and none authentication are refused and never offered', { timeout: 20_000 }, async () => {
  const none = await ssh2Attempt(gw.sshPort, (_m, _p, next) =>
    next({ type: 'none', username: 'alice@example.com' } as never),
  );
  assert.equal(none.ready, false);
  const offered = none.ready ? [] : none.methodsOffered.flat();
  assert.ok(!offered.includes('password'), `server offered ${offered.join(',')}`);

  let tries = 0;
  const pw = await ssh2Attempt(gw.sshPort, (_m, _p, next) =>
    tries++ < 3
      ? next({ type: 'password', username: 'alice@example.com', password: gw.password } as never)
      : next(false as never),
  );
  assert.equal(pw.ready, false, 'the dev IdP password does not open an SSH session');

  // OpenSSH forced to passwords: no method left to try.
  const key = newClientKey(gw.dir, 'ed25519', 'pw-only');
  const c = gw.ssh(key, ['-N'], ['-o', 'PreferredAuthentications=password', '-o', 'BatchMode=yes']);
  const code = await c.exited;
  assert.notEqual(code, 0);
  assert.match(c.output, /Permission denied \(publickey,keyboard-interactive\)/);
});

test('certificates from another CA, expired, with wrong principals or unhonoured critical options fall back to sign-in', {
  timeout: 60_000,
}, async () => {
  const otherCa = newClientKey(gw.dir, 'ed25519', 'other-ca');
  const cases: Array<[string, Parameters<Gateway['certifiedKey']>[1]]> = [
    ['another CA', { ca: otherCa }],
    ['expired', { validity: '20200101:20200102' }],
    ['not yet valid', { validity: '+1d:+2d' }],
    ['principals without an email', { principals: 'root,alice' }],
    ['force-command', { options: ['force-command=/bin/true'] }],
    ['source-address excluding the client', { options: ['source-address=10.0.0.0/8'] }],
  ];
  for (const [name, opts] of cases) {
    const key = gw.certifiedKey(`bad-${name.replace(/\W+/g, '-')}`, opts);
    assert.equal(await certOutcome(key), 'sign-in', `${name}: must not authenticate`);
  }
  // Controls: a certificate of this CA, and one whose source-address admits loopback, are honoured.
  await stillServesCertificates();
  assert.equal(
    await certOutcome(gw.certifiedKey('src-ok', { options: ['source-address=127.0.0.0/8'] })),
    'authenticated',
  );
});

test('tcpip-forward for a route whose ssh_policy names another user is refused', {
  timeout: 30_000,
}, async () => {
  const key = gw.certifiedKey('alice-wants-bobs');
  const c = gw.ssh(
    key,
    ['-R', `bobs.localhost:443:127.0.0.1:${gw.upstream.port}`, '-N'],
    ['-o', `CertificateFile=${key}-cert.pub`, '-o', 'ExitOnForwardFailure=yes'],
  );
  const code = await c.exited;
  assert.notEqual(code, 0);
  assert.match(c.output, /remote port forwarding failed/i);
  assert.ok(
    !gw.edge.tunnels().some((t) => t.bindHost === 'bobs.localhost'),
    'no tunnel recorded for bobs.localhost',
  );
  // Control: alice's own route attaches.
  const own = await gw.publish('hello.localhost');
  await own.stop();
});

function connectTunnel(
  address: string,
  tunnelId: string,
  token: string,
): Promise<{ status: number; socket?: Socket }> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  return new Promise((resolve) => {
    const req = request({
      host,
      port,
      method: 'CONNECT',
      path: `${tunnelId}:0`,
      headers: { authorization: `Bearer ${token}` },
    });
    req.on('connect', (res, socket) => {
      socket.on('error', () => {});
      if (res.statusCode !== 200) socket.destroy();
      resolve({ status: res.statusCode ?? 0, socket: res.statusCode === 200 ? socket : undefined });
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('error', () => resolve({ status: 0 }));
    req.end();
  });
}

test('10,000 channel opens on one tunnel are bounded by ssh_max_channels_per_tunnel; the tunnel serves again after', {
  timeout: 90_000,
}, async () => {
  const ssh = await gw.publish('hello.localhost', 'flood');
  const tunnel = gw.edge.tunnels().find((t) => t.bindHost === 'hello.localhost' && t.state === 'attached');
  assert.ok(tunnel);
  const token = await signInternalToken(
    gw.sharedSecret,
    'data-plane',
    { aud: 'data-plane', sub: tunnel.id },
    120,
  );
  const held: Socket[] = [];
  const statuses = new Map<number, number>();
  try {
    const total = 10_000;
    const wave = 250;
    for (let i = 0; i < total; i += wave) {
      const results = await Promise.all(
        Array.from({ length: Math.min(wave, total - i) }, () =>
          connectTunnel(tunnel.dataPlaneAddress, tunnel.id, token),
        ),
      );
      for (const r of results) {
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.socket) held.push(r.socket);
      }
    }
    assert.equal(held.length, MAX_CHANNELS, `open channels: ${JSON.stringify([...statuses])}`);
    assert.equal(statuses.get(0) ?? 0, 0, 'every CONNECT got an answer');
  } finally {
    for (const s of held) s.destroy();
  }
  // Channels are released: a visitor's request gets through the same tunnel again.
  const b = await gw.signedInBrowser();
  const page = await waitUntil(
    async () => {
      const r = await b.navigate(gw.url('hello.localhost', '/after-flood'));
      return r.status === 200 ? r : undefined;
    },
    15_000,
    '200 through the tunnel after the flood',
  );
  assert.match(page.body, /upstream saw GET \/after-flood/);
  await ssh.stop();
});

test('direct-tcpip (ssh -L) to internal addresses is refused', { timeout: 30_000 }, async () => {
  const key = gw.certifiedKey('dash-l');
  const internalTargets = [
    `127.0.0.1:${gw.upstream.port}`,
    `127.0.0.1:${gw.edge.dataPlaneAddress().split(':').pop()}`,
    '169.254.169.254:80',
  ];
  // Through a stdio forward (-W) the refusal is visible to the client.
  for (const target of internalTargets) {
    const c = gw.ssh(key, ['-W', target], ['-o', `CertificateFile=${key}-cert.pub`]);
    const code = await c.exited;
    assert.notEqual(code, 0, `-W ${target} must fail`);
    assert.match(c.output, /open failed|administratively prohibited|Connection refused|channel 0/i, c.output);
  }
});

test('strict key exchange (Terrapin, CVE-2023-48795) is offered and negotiated with OpenSSH', {
  timeout: 20_000,
}, async () => {
  const kex = await serverKexAlgorithms(gw.sshPort);
  assert.ok(kex.includes('kex-strict-s-v00@openssh.com'), `server kex list: ${kex.join(',')}`);
  const key = gw.certifiedKey('terrapin');
  const c = gw.ssh(key, ['-vvv', '-N'], ['-o', `CertificateFile=${key}-cert.pub`]);
  try {
    await c.waitFor(/Authenticated to/);
  } finally {
    await c.stop('SIGKILL');
  }
  // OpenSSH logs the peer's KEXINIT and that it will use strict ordering.
  assert.match(c.output, /kex-strict-s-v00@openssh\.com/);
  assert.match(c.output, /will use strict KEX ordering/);
});

test('a client that offers a bound key but signs with another is never authenticated as its owner (CVE-2024-45337 class)', {
  timeout: 60_000,
}, async () => {
  const aliceKey = newClientKey(gw.dir, 'ed25519', 'alice-bound');
  const browser = await gw.signedInBrowser();
  const bound = await gw.bindKey(aliceKey, browser);
  await bound.stop();
  const alice = ssh2.utils.parseKey(readFileSync(aliceKey));
  const mallory = ssh2.utils.parseKey(readFileSync(newClientKey(gw.dir, 'ed25519', 'mallory')));
  assert.ok(!(alice instanceof Error) && !(mallory instanceof Error));
  const a = Array.isArray(alice) ? alice[0] : alice;
  const m = Array.isArray(mallory) ? mallory[0] : mallory;

  // Control: the real owner of the bound key is authenticated without a browser.
  const owner = await ssh2Attempt(
    gw.sshPort,
    (_l, _p, next) => next({ type: 'publickey', username: 'alice', key: a } as never),
    {
      username: 'alice',
    },
  );
  assert.equal(owner.ready, true, 'the bound key itself authenticates');
  if (owner.ready) owner.client.end();

  // 1) The query names alice's key; the signature is mallory's.
  let step = 0;
  const forged = Object.create(a, { sign: { value: (data: Buffer, hash?: string) => m.sign(data, hash) } });
  const one = await ssh2Attempt(gw.sshPort, (_l, _p, next) =>
    step++ === 0
      ? next({ type: 'publickey', username: 'alice', key: forged } as never)
      : next(false as never),
  );
  assert.equal(one.ready, false, 'a signature by another key is refused');

  // 2) The query names alice's key (PK_OK), the signed request then carries mallory's key and a valid signature.
  step = 0;
  let calls = 0;
  const swapped = Object.create(a, {
    getPublicSSH: { value: () => (calls++ === 0 ? a.getPublicSSH() : m.getPublicSSH()) },
    sign: { value: (data: Buffer, hash?: string) => m.sign(data, hash) },
  });
  const two = await ssh2Attempt(gw.sshPort, (_l, _p, next) =>
    step++ === 0
      ? next({ type: 'publickey', username: 'alice', key: swapped } as never)
      : next(false as never),
  );
  assert.ok(calls >= 2, 'the client sent a query and then a signed request');
  assert.equal(two.ready, false, 'authorization uses the key that signed, which is bound to nobody');
});

test('a client opening 10,000 shell channels on one connection is bounded', { timeout: 60_000 }, async () => {
  const key = newClientKey(gw.dir, 'ed25519', 'session-flood');
  const browser = await gw.signedInBrowser();
  const bound = await gw.bindKey(key, browser);
  await bound.stop();
  const parsed = ssh2.utils.parseKey(readFileSync(key));
  assert.ok(!(parsed instanceof Error));
  const k = Array.isArray(parsed) ? parsed[0] : parsed;
  const outcome = await ssh2Attempt(
    gw.sshPort,
    (_l, _p, next) => next({ type: 'publickey', username: 'alice', key: k } as never),
    {
      username: 'alice',
    },
  );
  assert.ok(outcome.ready);
  const client = outcome.client;
  let opened = 0;
  let refused = 0;
  const total = 10_000;
  const rssBefore = process.memoryUsage().rss;
  await new Promise<void>((resolve) => {
    let answered = 0;
    for (let i = 0; i < total; i++) {
      // Each a session channel with a shell: the gateway's status screen.
      client.shell(false, (err) => {
        if (err) refused++;
        else opened++;
        if (++answered === total) resolve();
      });
    }
    client.once('close', () => resolve());
  });
  const rssGrowth = process.memoryUsage().rss - rssBefore;
  client.end();
  assert.ok(
    opened > 0 && opened <= 10,
    `open session channels: ${opened}, refused ${refused}, rss +${Math.round(rssGrowth / 1e6)} MB`,
  );
  await stillServesCertificates();
});
