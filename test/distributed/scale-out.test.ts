import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TunnelRecord } from '@drawbridge/protocol';
import { createStore, Registry } from '@drawbridge/registry';
import { type ComposeStack, probe, startComposeStack } from '../kit/compose.js';
import { isolatedSshOptions, newClientKey, SshClient, tempDir, waitUntil } from '../kit/index.js';
import { drawbridge } from './lib/cli.js';
import { histogram, runTraffic, type Sample } from './lib/traffic.js';
import { startNamedService } from './lib/upstream.js';
import { Visitor } from './lib/visitor.js';

const HOST = 'hello.localhost';
const URL_ = `https://${HOST}/`;
const SIGNIN_URL = /https:\/\/\S+\/\.pomerium\/sign_in\?user_code=[A-Za-z0-9_-]{22}/;
/** The bound: once a proxy-edge knows an edge is gone, no visitor sees a 5xx. */
const LEARN_MS = 2_000;

describe('scale-out: 2 ssh-edges, 2 proxy-edges, authn, authz, dev-idp, Redis and NATS as separate processes', {
  timeout: 240_000,
}, () => {
  const tmp = tempDir('drawbridge-scale-out-');
  let stack: ComposeStack;
  let registry: Registry;
  let visitor: Visitor;
  let key: string;
  const services: Record<string, { port: number; close(): void }> = {};
  const clients: SshClient[] = [];

  /** `ssh -R hello.localhost:443:…` with the one signed-in key, to ssh-edge replica `edge`. */
  const publish = (name: string, edge: number) => {
    const ssh = new SshClient({
      args: [
        ...isolatedSshOptions(key),
        '-R',
        `${HOST}:443:127.0.0.1:${services[name]?.port}`,
        '-N',
        '-p',
        String(stack.sshPorts[edge]),
        '127.0.0.1',
      ],
    });
    clients.push(ssh);
    return ssh;
  };
  const edgeIdOf = async (edge: number) => {
    const pid = stack.replica('ssh-edge', edge).child.pid;
    const rec = await waitUntil(
      async () => (await registry.listEdges()).find((e) => e.id.includes(`-${pid}-`)),
      10_000,
      `edge record of ssh-edge#${edge}`,
    );
    return rec.id;
  };
  const attached = () => registry.listTunnels({ state: 'attached' });
  /** Waits until every body in `bodies` has been served through every proxy-edge. */
  const seeEverywhere = async (bodies: string[], what: string, timeoutMs = 20_000) => {
    for (let p = 0; p < stack.httpsPorts.length; p++) {
      const seen = new Set<string>();
      await waitUntil(
        async () => {
          const res = await visitor.get(p, URL_);
          if (res.status === 200) seen.add(res.body);
          return bodies.every((b) => seen.has(b));
        },
        timeoutMs,
        `${what}: bodies ${bodies.join(',')} through proxy-edge #${p} (seen ${[...seen].join(',')})`,
      );
    }
  };
  const allReady = async (want: number) => {
    const live = stack.replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
    const states = await Promise.all(
      live.map(async (r) => [`${r.service}#${r.replica}`, await probe(r.healthPort as number, '/readyz')]),
    );
    return states.every(([, s]) => s === want) ? states : undefined;
  };
  const cliEnv = () => stack.replica('authz').env;

  before(async () => {
    for (const name of ['A', 'B', 'C']) services[name] = await startNamedService(name);
    stack = await startComposeStack({
      scale: { 'ssh-edge': 2, 'proxy-edge': 2 },
      persistentRedis: true,
    });
    registry = new Registry(await createStore({ type: 'redis', connection: stack.redisUrl }));
    key = newClientKey(tmp.path);
    visitor = new Visitor(stack.httpsPorts, readFileSync(join(stack.configDir, 'certs/cert.pem'), 'utf8'));
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await registry?.close();
    await stack?.stop();
    for (const s of Object.values(services)) s.close();
    tmp.cleanup();
  });

  const dumpOnFailure = async (fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      for (const r of stack.replicas)
        process.stderr.write(`--- ${r.service}#${r.replica} ---\n${r.output().slice(-3000)}\n`);
      for (const [i, c] of clients.entries()) process.stderr.write(`--- ssh ${i} ---\n${c.output}\n`);
      throw err;
    }
  };

  test('one browser sign-in; the same key then publishes the route on both ssh-edges; either proxy-edge reaches either tunnel', () =>
    dumpOnFailure(async () => {
      const a = publish('A', 0);
      const [signinUrl] = await a.waitFor(SIGNIN_URL);
      const login = await visitor.navigate(0, signinUrl);
      assert.match(login.body, /name="password"/, `dev IdP login page expected, got ${login.status}`);
      const verify = await visitor.browser.submit(login, {
        email: stack.setup.email,
        password: stack.setup.password,
      });
      assert.match(verify.body, /Verify Sign In/i);
      const done = await visitor.browser.submit(verify, { decision: 'authorize' });
      assert.ok(done.status < 400, `Authorize answered ${done.status}`);

      const b = publish('B', 1);
      const [edge0, edge1] = [await edgeIdOf(0), await edgeIdOf(1)];
      const tunnels = await waitUntil(
        async () => {
          const t = await attached();
          return t.length === 2 ? t : undefined;
        },
        15_000,
        'two attached tunnels',
      );
      assert.deepEqual(tunnels.map((t) => t.edgeId).sort(), [edge0, edge1].sort());
      assert.ok(tunnels.every((t) => t.routeFrom === tunnels[0]?.routeFrom));
      assert.doesNotMatch(b.output, /sign_in/, 'the second connection needs no browser');

      // The first visit signs the visitor in to the route host (redirect through authn and back).
      const first = await visitor.navigate(0, URL_);
      assert.equal(first.status, 200, `first visit: ${first.status} ${first.body.slice(0, 200)}`);
      await seeEverywhere(['A', 'B'], 'both tunnels through both proxy-edges');
      assert.ok(a.running && b.running);
    }));

  let failoverClient: SshClient | undefined;
  let deadEdge = '';
  let killedAt = 0;
  test('kill -9 of an ssh-edge: its route fails over to the other edge with no 5xx once the proxies know (≤ 2 s)', (t) =>
    dumpOnFailure(async () => {
      const b = clients[1] as SshClient;
      deadEdge = await edgeIdOf(1);
      const traffic = runTraffic((p) => visitor.get(p, URL_), { proxies: stack.httpsPorts.length });
      await new Promise((r) => setTimeout(r, 500));
      killedAt = Date.now();
      await stack.kill('ssh-edge', 1, 'SIGKILL');
      // Past the proxies' 5 s "bad tunnel" window too, so the dead tunnel is tried (and skipped) again.
      await new Promise((r) => setTimeout(r, 7_000));
      const samples = await traffic.stop();
      const after = samples.filter((s) => s.startedAt >= killedAt);
      const failures = after.filter((s) => s.status !== 200);
      const lastFailure = failures.length ? Math.max(...failures.map((s) => s.startedAt)) - killedAt : -1;
      const late = after.filter((s) => s.startedAt >= killedAt + LEARN_MS);
      t.diagnostic(
        `failover: ${after.length} requests after kill -9, statuses ${JSON.stringify(histogram(after.map((s) => s.status)))}, ` +
          `last non-200 started ${lastFailure} ms after the kill`,
      );
      assert.ok(late.length > 50, `enough traffic after the bound (${late.length})`);
      const bad = late.filter((s: Sample) => s.status !== 200 || s.body !== 'A');
      assert.equal(bad.length, 0, `after ${LEARN_MS} ms: ${JSON.stringify(bad.slice(0, 5))}`);
      assert.ok(
        samples.filter((s) => s.startedAt < killedAt).some((s) => s.body === 'B'),
        'B was served before the kill',
      );
      await waitUntil(() => !b.running, 10_000, 'the killed edge’s ssh client to notice');
    }));

  test('the killed edge’s client reconnects to the surviving edge with the same key (no browser) and is served again', (t) =>
    dumpOnFailure(async () => {
      failoverClient = publish('B', 0);
      await seeEverywhere(['A', 'B'], 'B again after reconnecting to ssh-edge #0');
      assert.doesNotMatch(failoverClient.output, /sign_in/);
      const edge0 = await edgeIdOf(0);
      // The dead edge's record lingers until its TTL; what counts is that edge #0 now holds both.
      const tunnels = (await attached()).filter((x: TunnelRecord) => x.edgeId === edge0);
      assert.equal(tunnels.length, 2, JSON.stringify(tunnels));
      // The registry TTL is the backstop: the dead edge's tunnel record is gone within 15 s.
      await waitUntil(
        async () => !(await registry.listTunnels()).some((x) => x.edgeId === deadEdge),
        killedAt + 17_000 - Date.now(),
        'the killed edge’s tunnel record to expire',
      );
      t.diagnostic(`the killed edge's tunnel record expired ${Date.now() - killedAt} ms after kill -9`);
    }));

  test('/readyz of every service is 503 while Redis is down; a Redis restart loses no session and no tunnel', (t) =>
    dumpOnFailure(async () => {
      const edge0 = await edgeIdOf(0);
      await stack.redis.kill();
      const down = Date.now();
      await waitUntil(() => allReady(503), 10_000, 'every /readyz 503 without Redis');
      t.diagnostic(`every /readyz went 503 ${Date.now() - down} ms after Redis stopped`);
      await new Promise((r) => setTimeout(r, 1_000));
      await stack.redis.restart();
      const up = Date.now();
      await waitUntil(() => allReady(200), 20_000, 'every /readyz 200 after Redis came back');
      t.diagnostic(`every /readyz back to 200 ${Date.now() - up} ms after Redis restarted`);
      // ssh-edge heartbeats re-put its tunnel records after the outage (they would come back even
      // from an empty Redis); within one heartbeat period plus margin.
      await waitUntil(
        async () => {
          const mine = (await registry.listTunnels()).filter((x) => x.edgeId === edge0);
          return mine.length === 2 && mine.every((x) => x.heartbeatAt >= up);
        },
        8_000,
        'ssh-edge #0 to re-put its tunnel records after Redis came back',
      );
      t.diagnostic(`tunnel records re-put by the heartbeat ${Date.now() - up} ms after Redis restarted`);
      await seeEverywhere(['A', 'B'], 'after the Redis restart (same cookie)');
      const ls = await drawbridge(['tunnels', 'ls', '--config', stack.configDir], cliEnv());
      assert.equal(ls.code, 0, ls.stderr);
      const rows = ls.stdout.split('\n').filter((l) => l.includes(HOST));
      assert.equal(rows.length, 2, ls.stdout);
      assert.ok(
        rows.every((r) => r.includes(edge0)),
        ls.stdout,
      );
      assert.ok(
        rows.every((r) => /\battached\b/.test(r) && r.includes(stack.setup.email)),
        ls.stdout,
      );
      const sessions = await drawbridge(['sessions', 'ls', '--config', stack.configDir], cliEnv());
      assert.match(sessions.stdout, new RegExp(stack.setup.email.replace('.', '\\.')));
    }));

  test('/readyz is 503 while NATS is down; after a NATS restart requests succeed and both tunnels are listed', (t) =>
    dumpOnFailure(async () => {
      await stack.nats.kill();
      await waitUntil(() => allReady(503), 10_000, 'every /readyz 503 without NATS');
      await stack.nats.restart();
      const up = Date.now();
      await waitUntil(() => allReady(200), 20_000, 'every /readyz 200 after NATS came back');
      t.diagnostic(`every /readyz back to 200 ${Date.now() - up} ms after NATS restarted`);
      await seeEverywhere(['A', 'B'], 'after the NATS restart');
      const ls = await drawbridge(['tunnels', 'ls', '--config', stack.configDir], cliEnv());
      assert.equal(ls.stdout.split('\n').filter((l) => l.includes(HOST)).length, 2, ls.stdout);
    }));

  test('a draining ssh-edge (SIGTERM) announces edge.draining: requests keep succeeding on the other edge throughout', (t) =>
    dumpOnFailure(async () => {
      await stack.restart('ssh-edge', 1);
      const c = publish('C', 1);
      await seeEverywhere(['A', 'B', 'C'], 'C on the restarted ssh-edge #1');
      const [a, b] = [clients[0] as SshClient, failoverClient as SshClient];
      const traffic = runTraffic((p) => visitor.get(p, URL_), { proxies: stack.httpsPorts.length });
      await new Promise((r) => setTimeout(r, 500));
      const termAt = Date.now();
      await stack.kill('ssh-edge', 0, 'SIGTERM');
      const drainMs = Date.now() - termAt;
      await new Promise((r) => setTimeout(r, 1_000));
      const samples = await traffic.stop();
      const during = samples.filter((s) => s.startedAt >= termAt);
      t.diagnostic(
        `drain: ssh-edge #0 exited ${drainMs} ms after SIGTERM; ${during.length} requests meanwhile, ` +
          `statuses ${JSON.stringify(histogram(during.map((s) => s.status)))}, bodies ${JSON.stringify(histogram(during.map((s) => s.body)))}`,
      );
      assert.ok(during.length > 20, `traffic during the drain (${during.length})`);
      assert.deepEqual(
        during.filter((s) => s.status !== 200),
        [],
        'every request during the drain succeeds',
      );
      // Proxies stop picking the draining edge’s tunnels long before it closes them (2 s grace);
      // 500 ms leaves room for a loaded machine to deliver SIGTERM and the event.
      const afterAnnounce = during.filter((s) => s.startedAt >= termAt + 500);
      assert.ok(
        afterAnnounce.every((s) => s.body === 'C'),
        JSON.stringify(histogram(afterAnnounce.map((s) => s.body))),
      );
      for (const ssh of [a, b]) {
        await waitUntil(() => !ssh.running, 10_000, 'drained clients to be disconnected');
        assert.match(ssh.output, /shutting down; reconnect to continue on another one/);
      }
      assert.ok(c.running);
    }));

  test('sessions revoke <email> disconnects that identity on both ssh-edges and signs the visitor out', () =>
    dumpOnFailure(async () => {
      await stack.restart('ssh-edge', 0);
      const a = publish('A', 0);
      await seeEverywhere(['A', 'C'], 'A back on the restarted ssh-edge #0');
      const c = clients.find((x) => x.running && x !== a) as SshClient;
      const edges = new Set((await attached()).map((x) => x.edgeId));
      assert.equal(edges.size, 2, 'tunnels on both ssh-edges before the revocation');

      const res = await drawbridge(
        ['sessions', 'revoke', stack.setup.email, '--config', stack.configDir],
        cliEnv(),
      );
      assert.equal(res.code, 0, `${res.stdout}${res.stderr}`);
      for (const ssh of [a, c]) {
        await waitUntil(() => !ssh.running, 10_000, 'ssh to exit after the revocation');
        assert.match(ssh.output, /session ended \(revoked by operator\)/);
      }
      for (let p = 0; p < stack.httpsPorts.length; p++) {
        const page = await waitUntil(
          async () => {
            const r = await visitor.get(p, URL_);
            return r.status !== 200 ? r : undefined;
          },
          5_000,
          `proxy-edge #${p} to stop honouring the cookie`,
        );
        assert.ok(
          (page.status === 302 && /\/\.pomerium\/sign_in/.test(String(page.headers.location))) ||
            page.status === 401,
          `signed out through proxy-edge #${p}: ${page.status} ${page.headers.location ?? ''}`,
        );
      }
      assert.deepEqual(await attached(), []);
    }));
});
