// `runtime_flags.ssh_allow_direct_tcpip` with the real `ssh -L`: off (the default) every
// direct-tcpip channel is refused; on, a local forward reaches a loopback HTTP service; turned off
// again by a config edit, open forwards are closed and new ones refused — on the same SSH connection.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { freePort, type SshClient, waitUntil } from '../kit/index.js';
import { type Gateway, startGateway } from './lib/gateway.js';

let gw: Gateway;
let ssh: SshClient;
let localPort: number;

before(async () => {
  gw = await startGateway({
    name: 'direct-tcpip',
    configEdit: (t) => t.replace(/^( +)ssh_upstream_tunnel: true$/m, '$&\n$1ssh_allow_direct_tcpip: false'),
  });
  assert.equal(flag(), false);
  localPort = await freePort();
  const key = gw.certifiedKey('dash-l');
  ssh = gw.ssh(
    key,
    ['-v', '-N', '-L', `127.0.0.1:${localPort}:127.0.0.1:${gw.upstream.port}`],
    ['-o', `CertificateFile=${key}-cert.pub`, '-o', 'ExitOnForwardFailure=yes'],
  );
  await ssh.waitFor(/Authenticated to/);
  await ssh.waitFor(new RegExp(`Local forwarding listening on 127\\.0\\.0\\.1 port ${localPort}`));
});
after(async () => {
  await gw?.stop();
});

function flag(): boolean {
  return gw.started.ctx.config.current().config.runtime_flags.ssh_allow_direct_tcpip;
}

async function setFlag(on: boolean): Promise<void> {
  const text = readFileSync(gw.configFile, 'utf8');
  writeFileSync(
    gw.configFile,
    text.replace(/ssh_allow_direct_tcpip: (true|false)/, `ssh_allow_direct_tcpip: ${on}`),
  );
  await waitUntil(() => flag() === on, 10_000, `config reload with ssh_allow_direct_tcpip: ${on}`);
}

/** GET through the local end of `ssh -L`: the body, or the error the client saw. */
function viaForward(path: string): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port: localPort, path, agent: false, timeout: 8_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ error: e.message }));
  });
}

test('with ssh_allow_direct_tcpip off, ssh -L to a loopback service is refused', {
  timeout: 30_000,
}, async () => {
  const r = await viaForward('/refused');
  assert.ok('error' in r, `the forward must not reach the service: ${JSON.stringify(r)}`);
  await ssh.waitFor(/channel \d+: open failed/);
  assert.ok(!gw.upstream.requests.some((q) => q.url === '/refused'));
  assert.ok(ssh.running, 'the SSH connection itself stays up');
});

test('turned on by a config edit, the same ssh -L reaches the loopback service', {
  timeout: 30_000,
}, async () => {
  await setFlag(true);
  const r = await viaForward('/via-dash-l');
  assert.deepEqual(r, { status: 200, body: 'upstream saw GET /via-dash-l\n' });
  assert.ok(gw.upstream.requests.some((q) => q.url === '/via-dash-l'));
  // A destination nobody listens on is a channel open failure, not a hang.
  const closedPort = await freePort();
  const key = gw.certifiedKey('dash-w');
  const w = gw.ssh(key, ['-W', `127.0.0.1:${closedPort}`], ['-o', `CertificateFile=${key}-cert.pub`]);
  assert.notEqual(await w.exited, 0);
  assert.match(w.output, /open failed/);
});

test('turned off again, open forwards are closed and new ones refused on the same connection', {
  timeout: 30_000,
}, async () => {
  if (!flag()) await setFlag(true);
  // A raw connection through the forward, kept open by an unfinished request.
  const sock = connect(localPort, '127.0.0.1');
  sock.on('error', () => {});
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.write('GET /held HTTP/1.1\r\nHost: x\r\n');
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(sock.destroyed, false);
  await setFlag(false);
  await Promise.race([
    closed,
    new Promise((_r, reject) => setTimeout(() => reject(new Error('open forward not closed')), 5_000)),
  ]);
  const r = await viaForward('/after-off');
  assert.ok('error' in r, JSON.stringify(r));
  assert.ok(!gw.upstream.requests.some((q) => q.url === '/after-off'));
  assert.ok(ssh.running);
});
