import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { newClientKey } from '../kit/index.js';
import { ALICE, type Harness, signCertificate, startHarness, waitUntil } from './harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

const open = (port: number) =>
  new Promise<Socket>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });

async function getThroughTunnel(): Promise<string> {
  const t = h.edge.tunnels().find((x) => x.state === 'attached');
  assert.ok(t, 'a tunnel is attached');
  const stream = await h.edge.dialer.dial(t, {});
  stream.write('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
  let body = '';
  for await (const chunk of stream) body += chunk;
  return body;
}

test('random bytes, truncated handshakes and 1,000 half-open connections never crash it; the tunnel keeps serving', {
  timeout: 50_000,
}, async () => {
  const key = newClientKey(h.dir, 'ed25519', 'steady');
  const cert = signCertificate(h.caKey, key, {
    keyId: `drawbridge:${ALICE}:sid-r`,
    principals: ALICE,
    validity: '+1h',
  });
  const ssh = h.ssh(key, ['-o', `CertificateFile=${cert}`, ...h.forwardArgs()]);
  await waitUntil(() => h.edge.tunnels().find((x) => x.state === 'attached'), 10_000, 'tunnel');
  assert.match(await getThroughTunnel(), /Hello world!/);

  // Random garbage, before and after a valid version line.
  for (let i = 0; i < 50; i++) {
    const s = await open(h.sshPort);
    s.on('error', () => {});
    s.write(
      i % 2
        ? randomBytes(64 + i * 37)
        : Buffer.concat([Buffer.from('SSH-2.0-fuzz\r\n'), randomBytes(256 + i * 13)]),
    );
    s.end();
  }
  // Truncated handshake: a real client's first bytes, then silence and a reset.
  const real = await open(h.sshPort);
  real.write('SSH-2.0-OpenSSH_9.2\r\n');
  const kexPrefix = Buffer.alloc(64);
  kexPrefix.writeUInt32BE(1000, 0);
  kexPrefix[5] = 20;
  real.write(kexPrefix);
  real.destroy();

  // 1,000 half-open connections that never speak.
  const idle: Socket[] = [];
  let reaped = 0;
  for (let i = 0; i < 1000; i++) {
    const s = await open(h.sshPort);
    s.on('error', () => {});
    s.on('close', () => reaped++);
    s.resume();
    idle.push(s);
  }
  assert.match(await getThroughTunnel(), /Hello world!/, 'serves while 1,000 sockets idle');
  // A new user can still connect and attach meanwhile.
  const key2 = newClientKey(h.dir, 'ed25519', 'newcomer');
  const cert2 = signCertificate(h.caKey, key2, {
    keyId: `drawbridge:${ALICE}:sid-n`,
    principals: ALICE,
    validity: '+1h',
  });
  const ssh2 = h.ssh(key2, ['-o', `CertificateFile=${cert2}`, ...h.forwardArgs()]);
  await waitUntil(() => h.edge.tunnels().find((x) => x.sessionId === 'sid-n'), 10_000, 'newcomer tunnel');

  // The unauthenticated timeout (5 s in this config) reaps them.
  await waitUntil(() => reaped === 1000, 12_000, `half-open reaped (${reaped})`);
  assert.ok(ssh.running && ssh2.running, 'authenticated clients unaffected');
  assert.match(await getThroughTunnel(), /Hello world!/);
  for (const s of idle) s.destroy();
  await ssh.stop();
  await ssh2.stop();
});

test('SIGTERM-style drain: stop() keeps an in-flight stream up to the grace period, then disconnects with a message', {
  timeout: 20_000,
}, async () => {
  const key = newClientKey(h.dir, 'ed25519', 'drain');
  const cert = signCertificate(h.caKey, key, {
    keyId: `drawbridge:${ALICE}:sid-d`,
    principals: ALICE,
    validity: '+1h',
  });
  const ssh = h.ssh(key, ['-o', `CertificateFile=${cert}`, ...h.forwardArgs()]);
  const t = await waitUntil(() => h.edge.tunnels().find((x) => x.sessionId === 'sid-d'), 10_000, 'tunnel');
  const draining: string[] = [];
  h.ctx.bus.subscribe('edge.draining', (e) => draining.push(e.edgeId));
  // An in-flight stream (keep-alive, not yet closed).
  const stream = await h.edge.dialer.dial(t, {});
  const started = Date.now();
  const stopping = h.edge.stop({ graceMs: 600 });
  await waitUntil(() => draining.length > 0, 2000, 'edge.draining published');
  stream.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
  const first = await new Promise<string>((resolve) => stream.once('data', (d) => resolve(String(d))));
  assert.match(first, /Hello world!/, 'in-flight stream served during the drain');
  await stopping;
  assert.ok(Date.now() - started >= 500, 'waited for the in-flight stream up to the grace period');
  assert.notEqual(await ssh.exited, 0);
  assert.match(ssh.output, /shutting down; reconnect/);
  assert.equal(await h.ctx.registry.getTunnel(t.id), undefined);
});
