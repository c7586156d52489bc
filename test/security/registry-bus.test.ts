// Security cases, registry and bus (issue 12), against the distributed stack (every service its own
// process, real redis-server and nats-server): forged and replayed NATS messages, subject and key
// injection, a Redis outage, stale and conflicting tunnel records.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EnvelopeCodec, NatsTransport } from '@drawbridge/bus';
import { parseConfigText } from '@drawbridge/config';
import { randomId, type TunnelRecord } from '@drawbridge/protocol';
import { createStore, Registry } from '@drawbridge/registry';
import { startNamedService } from '../distributed/lib/upstream.js';
import { Visitor } from '../distributed/lib/visitor.js';
import { type ComposeStack, startComposeStack } from '../kit/compose.js';
import { freePort, isolatedSshOptions, newClientKey, SshClient, tempDir, waitUntil } from '../kit/index.js';

const HOST = 'hello.localhost';
const URL_ = `https://${HOST}/`;
const REASONS = ['bad signature', 'stale', 'replayed', 'unsigned', 'signed for'];
const SIGNIN_URL = /https:\/\/\S+\/\.pomerium\/sign_in\?user_code=[A-Za-z0-9_-]{22}/;

/** A raw NATS client that records every subject anyone publishes on (`SUB >`) and can PUB raw bytes. */
class NatsTap {
  readonly messages: Array<{ subject: string; data: Buffer }> = [];
  private buf = Buffer.alloc(0);
  private constructor(private readonly sock: Socket) {
    sock.on('data', (d: Buffer) => this.onData(d));
  }
  static async open(port: number): Promise<NatsTap> {
    const sock = netConnect(port, '127.0.0.1');
    await new Promise<void>((r, j) => sock.once('connect', () => r()).once('error', j));
    const tap = new NatsTap(sock);
    sock.write('CONNECT {"verbose":false,"pedantic":false,"name":"security-tap"}\r\nSUB > 1\r\nPING\r\n');
    await waitUntil(() => tap.ponged, 5_000, 'NATS PONG');
    return tap;
  }
  private ponged = false;
  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const eol = this.buf.indexOf('\r\n');
      if (eol < 0) return;
      const line = this.buf.subarray(0, eol).toString();
      if (line.startsWith('MSG ')) {
        const parts = line.split(' ');
        const size = Number(parts[parts.length - 1]);
        if (this.buf.length < eol + 2 + size + 2) return;
        this.messages.push({ subject: parts[1] ?? '', data: this.buf.subarray(eol + 2, eol + 2 + size) });
        this.buf = this.buf.subarray(eol + 2 + size + 2);
        continue;
      }
      if (line === 'PING') this.sock.write('PONG\r\n');
      if (line === 'PONG') this.ponged = true;
      this.buf = this.buf.subarray(eol + 2);
    }
  }
  publish(subject: string, data: Buffer): void {
    this.sock.write(`PUB ${subject} ${data.length}\r\n`);
    this.sock.write(Buffer.concat([data, Buffer.from('\r\n')]));
  }
  close(): void {
    this.sock.destroy();
  }
}

describe('registry and bus under attack (distributed stack: 1 ssh-edge, 1 proxy-edge, Redis, NATS)', {
  timeout: 200_000,
}, () => {
  const tmp = tempDir('drawbridge-security-registry-bus-');
  let stack: ComposeStack;
  let registry: Registry;
  let visitor: Visitor;
  let tap: NatsTap;
  let upstream: { port: number; close(): void };
  let sharedSecret: string;
  let tunnel: SshClient;
  const clients: SshClient[] = [];

  const ssh = (key: string, args: string[]) => {
    const c = new SshClient({
      args: [...isolatedSshOptions(key), '-v', ...args, '-p', String(stack.sshPorts[0]), '127.0.0.1'],
    });
    clients.push(c);
    return c;
  };
  const outputs = () => stack.replicas.map((r) => r.output()).join('\n');
  const attached = () => registry.listTunnels({ state: 'attached' });
  const served = async () => {
    const r = await visitor.get(0, URL_).catch((e: Error) => ({ status: 0, body: e.message }));
    return r.status === 200 && r.body === 'A';
  };

  before(async () => {
    upstream = await startNamedService('A');
    stack = await startComposeStack({ scale: { 'ssh-edge': 1, 'proxy-edge': 1 }, persistentRedis: true });
    registry = new Registry(await createStore({ type: 'redis', connection: stack.redisUrl }));
    visitor = new Visitor(stack.httpsPorts, readFileSync(join(stack.configDir, 'certs/cert.pem'), 'utf8'));
    sharedSecret =
      /^shared_secret:\s*(\S+)/m.exec(readFileSync(join(stack.configDir, 'config.yaml'), 'utf8'))?.[1] ?? '';
    if (!sharedSecret) sharedSecret = stack.replica('authz').env.SHARED_SECRET ?? '';
    assert.ok(sharedSecret, 'the stack’s shared_secret');
    tap = await NatsTap.open(stack.nats.port);

    // One real sign-in: the tunnel attaches and the visitor is signed in to the route host.
    tunnel = ssh(newClientKey(tmp.path, 'ed25519', 'publisher'), [
      '-N',
      '-R',
      `${HOST}:443:127.0.0.1:${upstream.port}`,
    ]);
    const [url] = await tunnel.waitFor(SIGNIN_URL);
    const login = await visitor.navigate(0, url);
    const verify = await visitor.browser.submit(login, {
      email: stack.setup.email,
      password: stack.setup.password,
    });
    assert.match(verify.body, /Verify Sign In/);
    await visitor.browser.submit(verify, { decision: 'authorize' });
    await waitUntil(async () => (await attached()).length === 1, 15_000, 'the tunnel attaches');
    const first = await visitor.navigate(0, URL_);
    assert.equal(first.body, 'A', `visitor reaches the tunnel: ${first.status}`);
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.stop('SIGKILL')));
    tap?.close();
    await registry?.close();
    await stack?.stop();
    upstream?.close();
    tmp.cleanup();
  });

  test('forged and replayed NATS messages (session.revoked, tunnel.detached, signin.resolved, authz.evaluate) are dropped and logged', async () => {
    const [live] = await attached();
    assert.ok(live);
    const sessions = await registry.listSessions();
    assert.ok(sessions.length > 0);
    const forger = new EnvelopeCodec(Buffer.alloc(32, 7).toString('base64'), 'mallory');
    const genuineButOld = new EnvelopeCodec(sharedSecret, 'ssh-edge-old', () => Date.now() - 5 * 60_000);
    const evt = (name: string) => `drawbridge.evt.${name}`;
    // Each replica keeps a rolling window of its output, so select this test's lines by log time,
    // not by an offset into text that moves as the window rolls.
    const since = Date.now();

    // A sign-in waiting in a terminal, which a forged approval must not complete.
    const waiting = ssh(newClientKey(tmp.path, 'ed25519', 'waiting'), ['-N']);
    const [waitingUrl] = await waiting.waitFor(SIGNIN_URL);
    const code = new URL(waitingUrl).searchParams.get('user_code') ?? '';
    const pending = await registry.getSignin(code);
    assert.ok(pending);
    const approval = {
      signin: { ...pending, status: 'approved', identity: sessions[0]?.identity, sessionId: sessions[0]?.id },
    };

    for (const s of sessions) {
      const revoke = { sessionId: s.id, email: s.identity.email, reason: 'forged' };
      tap.publish(evt('session.revoked'), Buffer.from(forger.seal(evt('session.revoked'), revoke)));
      tap.publish(evt('session.revoked'), Buffer.from(genuineButOld.seal(evt('session.revoked'), revoke)));
      tap.publish(evt('session.revoked'), Buffer.from(JSON.stringify({ v: 1, payload: revoke })));
    }
    const detach = { tunnel: { ...live, state: 'detached' }, reason: 'forged' };
    tap.publish(evt('tunnel.detached'), Buffer.from(forger.seal(evt('tunnel.detached'), detach)));
    tap.publish(evt('tunnel.detached'), Buffer.from(genuineButOld.seal(evt('tunnel.detached'), detach)));
    // A genuine message signed for one subject, replayed on another.
    const closed = { tunnelId: live.id, routeFrom: live.routeFrom, edgeId: live.edgeId };
    const sealedForOther = new EnvelopeCodec(sharedSecret, 'x').seal(evt('edge.draining'), closed);
    tap.publish(evt('tunnel.closed'), Buffer.from(sealedForOther));
    tap.publish(evt('signin.resolved'), Buffer.from(forger.seal(evt('signin.resolved'), approval)));

    // A genuine message seen on the wire, published again: dropped as a replay.
    // tunnel.attached: proxy-edge's subscription has lived since before it was sent.
    const seen = tap.messages.find((m) => m.subject === 'drawbridge.evt.tunnel.attached');
    assert.ok(seen, `a genuine event was seen on NATS: ${tap.messages.map((m) => m.subject).join(',')}`);
    tap.publish(seen.subject, seen.data);

    // authz.evaluate with a forged request gets no answer (the responder drops it).
    const transport = await NatsTransport.connect({ url: stack.natsUrl, name: 'mallory' });
    try {
      const subject = 'drawbridge.req.authz.evaluate';
      const req = { routeFrom: live.routeFrom, kind: 'route', input: { email: 'mallory@evil.example' } };
      await assert.rejects(transport.request(subject, forger.seal(subject, req), 1_500));
    } finally {
      await transport.close();
    }

    const text = () =>
      outputs()
        .split('\n')
        .filter((l) => Number(/"time":(\d+)/.exec(l)?.[1] ?? 0) >= since)
        .join('\n');
    await waitUntil(
      () => REASONS.every((r) => text().includes(r)) && /dropped bus request/.test(text()),
      10_000,
      'drops logged',
    ).catch(() => {
      throw new Error(
        `drop reasons not all logged:\n${text()
          .split('\n')
          .filter((l) => /dropped/.test(l))
          .join('\n')}`,
      );
    });
    const dropped = text()
      .split('\n')
      .filter((l) => /dropped bus (message|request)/.test(l));
    for (const reason of REASONS) {
      assert.ok(
        dropped.some((l) => l.includes(reason)),
        `a drop for "${reason}" is logged`,
      );
    }
    assert.ok(
      dropped.some((l) => /dropped bus request/.test(l)),
      'the forged authz request is logged',
    );

    await new Promise((r) => setTimeout(r, 500));
    assert.ok(await served(), 'the tunnel still serves and the session still works');
    assert.equal((await attached())[0]?.id, live.id);
    assert.ok(tunnel.running);
    assert.equal((await registry.getSignin(code))?.status, 'pending');
    assert.ok(
      waiting.running && !/Authenticated to/.test(waiting.output),
      'the forged approval let nobody in',
    );
    await waiting.stop('SIGKILL');
  });

  test('hosts and identities with * > . : or spaces cannot inject into NATS subjects or Redis keys', async () => {
    // Route hosts that are not host names (or put `*` anywhere but a whole leading label) are refused
    // by config validation; even a record written straight to Redis never becomes part of a key or
    // subject: tunnel ids are random.
    const base = readFileSync(join(stack.configDir, 'config.yaml'), 'utf8');
    for (const bad of ['a>b.localhost', 'a b.localhost', 'x.localhost:1:2', '>', 'a*b.localhost']) {
      const text = base.replace(/^(\s*- from: )https:\/\/hello\.localhost.*$/m, `$1https://${bad}`);
      assert.notEqual(text, base);
      assert.throws(() => parseConfigText(text, 'config.yaml'), /./, `route host ${bad} must be refused`);
    }
    const [live] = await attached();
    assert.ok(live);
    const odd: TunnelRecord = {
      ...live,
      id: randomId(),
      routeFrom: 'https://a*b.localhost',
      bindHost: 'a*b.localhost',
    };
    await registry.putTunnel(odd);
    assert.equal((await registry.getTunnel(odd.id))?.bindHost, 'a*b.localhost');
    assert.equal((await registry.getTunnel(live.id))?.bindHost, HOST, 'the live record is untouched');
    await registry.deleteTunnel(odd.id);

    // Identities and ids are key components: each lands under its own key and never widens a listing.
    const tricky = [
      'victim@example.com',
      'victim@example.com*',
      '*',
      'a:b',
      'x y',
      '>',
      'key:victim@example.com',
      '..',
    ];
    const now = Date.now();
    for (const id of tricky) {
      await registry.bindKey({
        fingerprint: id,
        sessionId: `s-${id}`,
        identity: { sub: id, email: id, groups: [], claims: {} },
        createdAt: now,
        expiresAt: now + 60_000,
      });
    }
    for (const id of tricky) assert.equal((await registry.getKeyBinding(id))?.sessionId, `s-${id}`, id);
    assert.equal(await registry.getKeyBinding('victim'), undefined);
    await registry.unbindKey('*');
    assert.ok(await registry.getKeyBinding('victim@example.com'), 'deleting "*" deletes only "*"');
    assert.equal(await registry.getKeyBinding('*'), undefined);
    assert.ok(
      !(await registry.listSessions()).some((s) => tricky.includes(s.id)),
      'no key bindings among sessions',
    );

    const keys = execFileSync('redis-cli', ['-p', String(stack.redis.port), '--scan'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    const bindings = keys.filter((k) => k.startsWith('drawbridge:key:'));
    assert.equal(new Set(bindings).size, bindings.length);
    for (const k of keys) {
      // drawbridge:<kind>:<one encoded component> (no space, '>' or extra ':' from user data), or
      // the store's per-kind index set.
      assert.match(
        k,
        /^(drawbridge:[a-z-]+:[^\s:>]+|drawbridge-index\|drawbridge:([a-z-]+:)?)$/,
        `key ${JSON.stringify(k)}`,
      );
    }
    for (const id of tricky) await registry.unbindKey(id);

    // Every subject ever seen on NATS is a fixed name: nothing from hosts, emails or ids.
    const subjects = new Set(tap.messages.map((m) => m.subject));
    for (const s of subjects)
      assert.match(s, /^(drawbridge\.(evt|req)\.[a-z]+\.[a-z-]+(\.reply)?|_INBOX\.[A-Za-z0-9.]+)$/, s);
    assert.ok([...subjects].some((s) => s.startsWith('drawbridge.evt.')));
  });

  test('a stale tunnel record of a dead edge (bogus data-plane address) black-holes traffic for at most 15 s', async () => {
    const [live] = await attached();
    assert.ok(live);
    const dead: TunnelRecord = {
      ...live,
      id: randomId(),
      edgeId: 'ssh-edge-dead-0',
      dataPlaneAddress: `127.0.0.1:${await freePort()}`,
      connectionId: 'c-dead',
      heartbeatAt: Date.now(),
    };
    await registry.heartbeatEdge({
      id: dead.edgeId,
      kind: 'ssh-edge',
      dataPlaneAddress: dead.dataPlaneAddress,
      startedAt: Date.now() - 60_000,
      heartbeatAt: Date.now(),
      draining: false,
    });
    await registry.putTunnel(dead);
    const t0 = Date.now();
    let lastFailure = 0;
    let failures = 0;
    let total = 0;
    // Until 4 s without a failure, at most 25 s.
    while (
      Date.now() - t0 < 25_000 &&
      (lastFailure === 0 ? Date.now() - t0 < 6_000 : Date.now() - lastFailure < 4_000)
    ) {
      total++;
      if (!(await served())) {
        failures++;
        lastFailure = Date.now();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const blackHoleMs = lastFailure ? lastFailure - t0 : 0;
    process.stderr.write(
      `# stale record: ${failures}/${total} failed, last failure ${blackHoleMs} ms after the write\n`,
    );
    assert.ok(
      blackHoleMs <= 15_000,
      `requests failed until ${blackHoleMs} ms after the stale record appeared`,
    );
    assert.ok(await served());
    await registry.deleteTunnel(dead.id);
  });

  test('two ssh-edges claiming the same tunnel id: the live holder keeps serving and wins the record back', async () => {
    const [live] = await attached();
    assert.ok(live);
    const imposter: TunnelRecord = {
      ...live,
      edgeId: 'ssh-edge-imposter-0',
      dataPlaneAddress: `127.0.0.1:${await freePort()}`,
      heartbeatAt: Date.now(),
    };
    await registry.putTunnel(imposter);
    const t0 = Date.now();
    let failures = 0;
    let total = 0;
    let reclaimedAt = 0;
    while (Date.now() - t0 < 20_000) {
      total++;
      if (!(await served())) failures++;
      const rec = await registry.getTunnel(live.id);
      if (!reclaimedAt && rec?.edgeId === live.edgeId) reclaimedAt = Date.now() - t0;
      if (reclaimedAt && Date.now() - t0 > reclaimedAt + 2_000) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    process.stderr.write(
      `# conflicting claim: record back with the live edge after ${reclaimedAt} ms; ${failures}/${total} requests failed\n`,
    );
    assert.ok(
      reclaimedAt > 0 && reclaimedAt <= 15_000,
      `the live edge re-claims its record (${reclaimedAt} ms)`,
    );
    assert.ok(await served());
    assert.equal((await attached()).length, 1);
  });

  // Last: it takes Redis away.
  test('a Redis outage fails closed: an uncached session gets no 200, a new SSH sign-in is refused with a message; both work after restart', async () => {
    assert.ok(await served());
    await stack.redis.kill();
    try {
      // Past the proxy-edge's 5 s session cache: the session must be read, and cannot be.
      await new Promise((r) => setTimeout(r, 5_600));
      const during = await visitor.get(0, URL_).catch((e: Error) => ({ status: 0, body: e.message }));
      assert.notEqual(
        during.status,
        200,
        `no 200 without the registry: ${during.status} ${during.body.slice(0, 200)}`,
      );
      assert.ok([503, 302, 0].includes(during.status) || during.status >= 500, `status ${during.status}`);
      const fresh = ssh(newClientKey(tmp.path, 'ed25519', 'during-outage'), ['-N']);
      const code = await fresh.exited;
      assert.notEqual(code, 0);
      assert.doesNotMatch(fresh.output, SIGNIN_URL);
      assert.match(fresh.output, /Drawbridge[^\n]*(unavailable|try again)/i, fresh.output.slice(-1500));
    } finally {
      await stack.redis.restart();
    }
    await waitUntil(served, 20_000, 'the route serves again after Redis is back');
    const after = ssh(newClientKey(tmp.path, 'ed25519', 'after-outage'), ['-N']);
    await after.waitFor(SIGNIN_URL, 20_000);
  });
});
