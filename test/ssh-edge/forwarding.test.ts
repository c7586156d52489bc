import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { BusEvents } from '@drawbridge/protocol';
import { newClientKey } from '../kit/index.js';
import { ALICE, type Harness, signCertificate, startHarness, waitUntil } from './harness.js';

let h: Harness;
let aliceKey: string;
let aliceCert: string;
before(async () => {
  h = await startHarness();
  aliceKey = newClientKey(h.dir, 'ed25519', 'alice');
  aliceCert = signCertificate(h.caKey, aliceKey, {
    keyId: `drawbridge:${ALICE}:sid-fwd`,
    principals: ALICE,
    validity: '+1h',
  });
});
after(async () => {
  await h?.close();
});

const asAlice = (args: string[]) =>
  h.ssh(aliceKey, ['-o', `CertificateFile=${aliceCert}`, '-o', 'ExitOnForwardFailure=yes', ...args]);
const sed = (expr: string) => execFileSync('sed', ['-i', '-E', expr, h.configFile]);

test('unknown route, route without upstream_tunnel and a denied identity fail the forward (ExitOnForwardFailure exits non-zero)', {
  timeout: 30_000,
}, async () => {
  for (const host of ['nosuch.localhost', 'plain.localhost', 'bobs.localhost']) {
    const ssh = asAlice(h.forwardArgs(host));
    const code = await ssh.exited;
    assert.notEqual(code, 0, `${host}: ${ssh.output}`);
    assert.match(ssh.output, /remote port forwarding failed/);
  }
  // The refusal is logged as it is sent; the client may exit before the line is written.
  await waitUntil(
    () => /does not allow alice@example\.com/.test(h.logText()),
    5000,
    'the denial to be logged',
  );
  const log = h.logText();
  assert.match(log, /no route for nosuch\.localhost/);
  assert.match(log, /route plain\.localhost has no upstream_tunnel/);
  assert.match(log, /ssh_policy of https:\/\/bobs\.localhost does not allow alice@example\.com/);
  assert.equal(h.edge.tunnels().length, 0);
});

test('editing ssh_policy detaches the tunnel with the SSH connection kept, and restoring re-attaches it on the same connection', {
  timeout: 30_000,
}, async () => {
  const events: string[] = [];
  const offs = [
    h.ctx.bus.subscribe('tunnel.detached', (e: BusEvents['tunnel.detached']) =>
      events.push(`detached:${e.tunnel.id}`),
    ),
    h.ctx.bus.subscribe('tunnel.attached', (e: BusEvents['tunnel.attached']) =>
      events.push(`attached:${e.tunnel.id}`),
    ),
  ];
  const ssh = asAlice(h.forwardArgs());
  const t = await waitUntil(
    () => h.edge.tunnels().find((x) => x.state === 'attached'),
    10_000,
    'tunnel attached',
  );
  const gen0 = h.ctx.config.current().generation;

  // The tutorial's edit: break the email the ssh_policy allows (18 spaces deep, under upstream_tunnel).
  const t0 = Date.now();
  sed('s/^( {18}is: .*)/\\1.typo/');
  await waitUntil(
    () => h.edge.tunnels().find((x) => x.id === t.id && x.state === 'detached'),
    5000,
    'detached',
  );
  const detachMs = Date.now() - t0;
  assert.ok(ssh.running, 'the ssh process keeps running');
  assert.equal((await h.ctx.registry.getTunnel(t.id))?.state, 'detached');
  await assert.rejects(h.edge.dialer.dial(t, {}), { code: 'DRAWBRIDGE_SSH_TUNNEL_DETACHED' });

  const t1 = Date.now();
  sed('s/\\.typo$//');
  const back = await waitUntil(
    () => h.edge.tunnels().find((x) => x.id === t.id && x.state === 'attached'),
    5000,
    're-attached',
  );
  const reattachMs = Date.now() - t1;
  assert.equal(back.connectionId, t.connectionId, 'same SSH connection');
  assert.ok(h.ctx.config.current().generation >= gen0 + 2);
  assert.ok(reattachMs < 1000, `re-attached within 1 s of the write (took ${reattachMs} ms)`);
  await waitUntil(() => events.includes(`attached:${t.id}`), 2000, 'attach event');
  assert.ok(events.includes(`detached:${t.id}`));
  const stream = await h.edge.dialer.dial(back, {});
  stream.write('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
  let body = '';
  for await (const chunk of stream) body += chunk;
  assert.match(body, /Hello world!/);
  console.log(`ssh_policy edit → detached in ${detachMs} ms, restore → re-attached in ${reattachMs} ms`);

  // Turning the runtime flag off detaches too (route still there).
  sed('s/^( +ssh_upstream_tunnel: )true/\\1false/');
  await waitUntil(
    () => h.edge.tunnels().find((x) => x.id === t.id && x.state === 'detached'),
    5000,
    'detached by flag',
  );
  const refused = asAlice(h.forwardArgs());
  assert.notEqual(await refused.exited, 0, 'flag off: a new forward fails');
  sed('s/^( +ssh_upstream_tunnel: )false/\\1true/');
  await waitUntil(
    () => h.edge.tunnels().find((x) => x.id === t.id && x.state === 'attached'),
    5000,
    're-attached after flag on',
  );
  for (const off of offs) off();
  await ssh.stop();
});

test('a revoked session disconnects the client with a message', { timeout: 20_000 }, async () => {
  const key = newClientKey(h.dir, 'ed25519', 'revoked');
  const ssh = h.ssh(key, h.forwardArgs());
  const [, code] = await ssh.waitFor(/user_code=([A-Za-z0-9_-]{22})/);
  const p = await h.approve(code!);
  await waitUntil(() => h.edge.tunnels().find((x) => x.sessionId === p.sessionId), 10_000, 'tunnel');
  await h.ctx.registry.deleteSession(p.sessionId!);
  await h.ctx.bus.publish('session.revoked', { sessionId: p.sessionId!, reason: 'signed out' });
  const exit = await ssh.exited;
  assert.notEqual(exit, 0);
  assert.match(ssh.output, /Your Drawbridge session ended \(signed out\)/);
  await waitUntil(() => !h.edge.tunnels().some((x) => x.sessionId === p.sessionId), 5000, 'tunnel gone');
});
