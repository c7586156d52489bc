// kill -9 of an ssh-edge mid-download, then SIGTERM of every service under load, on a distributed
// stack with two ssh-edges, two proxy-edges and two authz replicas.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { type SshClient, waitUntil } from '../kit/index.js';
import { type Stack, startStack } from './lib/stack.js';
import {
  failures,
  get,
  newClientKey,
  type Outcome,
  publish,
  requestLoop,
  signIn,
  startUpstream,
  type Visitor,
} from './lib/visitor.js';

let stack: Stack;
let visitor: Visitor;
let key: string;
const clients: SshClient[] = [];
const upstreams: { close(): void }[] = [];
const ports: Record<string, number> = {};

async function tunnel(name: string, edge: number): Promise<SshClient> {
  if (!ports[name]) {
    const up = await startUpstream(name);
    upstreams.push(up);
    ports[name] = up.port;
  }
  const ssh = publish(stack, key, ports[name] as number, edge);
  clients.push(ssh);
  return ssh;
}

const servedBy = (o: Outcome[], name: string) => o.some((x) => x.status === 200 && x.upstream === name);
const connectRefused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });

before(async () => {
  stack = await startStack({ scale: { 'ssh-edge': 2, 'proxy-edge': 2, authz: 2 }, drainGrace: '8s' });
  key = newClientKey(stack.dir);
  visitor = await signIn(stack, await tunnel('A', 0), key);
  await tunnel('B', 1); // same key, bound to the session: no second sign-in
  const loop = requestLoop(stack.httpsPort(0), visitor);
  try {
    await waitUntil(
      () => servedBy(loop.outcomes, 'A') && servedBy(loop.outcomes, 'B'),
      20_000,
      'both tunnels serve',
    );
  } finally {
    await loop.stop();
  }
});

after(async () => {
  for (const c of clients) await c.stop();
  for (const u of upstreams) u.close();
  await stack?.stop();
});

test('kill -9 of an ssh-edge mid-download: its transfers end truncated, the other edge’s complete, a reconnecting client is served', {
  timeout: 90_000,
}, async () => {
  const BYTES = 6_000_000;
  // Round-robin spreads the downloads over both tunnels; each takes ~3 s at 2 MB/s.
  const downloads = Array.from({ length: 6 }, () =>
    get(stack.httpsPort(0), visitor, `/big?bytes=${BYTES}&rate=2000000`, { timeoutMs: 30_000 }),
  );
  await new Promise((r) => setTimeout(r, 1_000));
  const killedAt = Date.now();
  await stack.signal('ssh-edge', 0, 'SIGKILL');
  const results = await Promise.all(downloads);
  const viaA = results.filter((r) => r.upstream === 'A');
  const viaB = results.filter((r) => r.upstream === 'B');
  assert.ok(
    viaA.length > 0 && viaB.length > 0,
    `downloads on both edges: ${JSON.stringify(results.map((r) => r.upstream))}`,
  );
  for (const r of viaA) {
    assert.ok(
      (r.received ?? 0) < BYTES,
      `a transfer through the killed edge cannot complete (${r.received} bytes)`,
    );
    assert.ok(r.error, 'and it is reported as aborted, not as a complete response');
    assert.notEqual(r.error, 'timeout', 'it ends at once, not by hanging');
  }
  for (const r of viaB) {
    assert.equal(r.error, undefined, `through the other edge: ${r.error}`);
    assert.equal(r.received, BYTES, 'the other edge’s transfer is complete');
  }
  assert.ok(Date.now() - killedAt < 15_000, 'every transfer ended promptly');
  // The client of the dead edge notices and exits; reconnecting to the surviving edge serves again.
  await waitUntil(() => !clients[0]?.running, 20_000, 'ssh to the killed edge exits');
  await tunnel('A', 1);
  const loop = requestLoop(stack.httpsPort(1), visitor);
  try {
    await waitUntil(() => servedBy(loop.outcomes, 'A'), 20_000, 'the reconnected tunnel is served');
  } finally {
    await loop.stop();
  }
  await stack.restart('ssh-edge', 0);
});

/** A failed case must not take the next one down with it: start again whatever is stopped. */
async function reviveAll(): Promise<void> {
  for (const r of stack.replicas)
    if (r.child.exitCode !== null || r.child.signalCode !== null) await stack.restart(r.service, r.replica);
}

/** Under a loop on `port`: SIGTERM `service#index` with a slow request in flight through `port`. */
async function drain(service: string, index: number, loopPort: number, slowPort: number) {
  const loop = requestLoop(loopPort, visitor, 2);
  await new Promise((r) => setTimeout(r, 500));
  const slow = get(slowPort, visitor, '/slow?ms=2500', { timeoutMs: 15_000 });
  await new Promise((r) => setTimeout(r, 400));
  const r = stack.replica(service, index);
  const termAt = Date.now();
  r.child.kill('SIGTERM');
  return { loop, slow, termAt, exited: r.exited() };
}

test('SIGTERM on a proxy-edge under load: the slow request in flight completes, new connections are refused, it exits', {
  timeout: 60_000,
}, async () => {
  await reviveAll();
  const d = await drain('proxy-edge', 0, stack.httpsPort(1), stack.httpsPort(0));
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(await connectRefused(stack.httpsPort(0)), 'the draining proxy-edge accepts no new connection');
  const slow = await d.slow;
  assert.equal(slow.status, 200, `the in-flight request completes: ${slow.error}`);
  assert.match(slow.body?.toString() ?? '', /slow done/);
  assert.equal(await d.exited, 0, 'exits cleanly');
  assert.ok(Date.now() - d.termAt < 8_000 + 3_000, 'within the grace period');
  const outcomes = await d.loop.stop();
  assert.equal(
    outcomes.filter((o) => o.status !== 200).length,
    0,
    `the other proxy-edge: ${failures(outcomes)}`,
  );
  await stack.restart('proxy-edge', 0);
});

test('SIGTERM on an ssh-edge under load: the slow request through its tunnel completes, new SSH connections are refused, it exits', {
  timeout: 60_000,
}, async () => {
  await reviveAll();
  // Only edge 0 holds a tunnel now that the other one is killed and restarted: attach one there.
  await tunnel('C', 0);
  const probe = requestLoop(stack.httpsPort(0), visitor);
  await waitUntil(() => servedBy(probe.outcomes, 'C'), 20_000, 'the tunnel on ssh-edge#0 serves');
  await probe.stop();
  // Keep the slow request on edge 0's tunnel: it is the only tunnel of the loop's choice while
  // the tunnel on edge 1 is taken out of the picture by stopping its client.
  const onEdge1 = clients.filter((c, i) => i > 0 && c.running && c !== clients[clients.length - 1]);
  for (const c of onEdge1) await c.stop();
  const d = await drain('ssh-edge', 0, stack.httpsPort(0), stack.httpsPort(1));
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(await connectRefused(stack.sshPort(0)), 'the draining ssh-edge accepts no new SSH connection');
  const slow = await d.slow;
  assert.equal(slow.status, 200, `the in-flight request completes: ${slow.status} ${slow.error}`);
  assert.equal(slow.upstream, 'C');
  assert.equal(await d.exited, 0, 'exits cleanly');
  assert.ok(Date.now() - d.termAt < 8_000 + 3_000, 'within the grace period');
  await d.loop.stop();
  await stack.restart('ssh-edge', 0);
});

for (const service of ['authz', 'authn', 'dev-idp']) {
  test(`SIGTERM on ${service} under load: it stops taking work and exits; signed-in visitors keep being served`, {
    timeout: 60_000,
  }, async () => {
    await reviveAll();
    await tunnel(`D-${service}`, 1);
    const warm = requestLoop(stack.httpsPort(0), visitor);
    await waitUntil(
      () => warm.outcomes.filter((o) => o.status === 200).length > 5,
      20_000,
      'the route serves',
    );
    await warm.stop();
    const r = stack.replica(service, 0);
    const loop = requestLoop(stack.httpsPort(0), visitor, 2);
    await new Promise((res) => setTimeout(res, 500));
    const termAt = Date.now();
    r.child.kill('SIGTERM');
    await new Promise((res) => setTimeout(res, 300));
    if (r.healthPort)
      assert.notEqual(await probeReady(r.healthPort), 200, `${service} is not ready while draining`);
    assert.equal(await r.exited(), 0, `${service} exits cleanly`);
    assert.ok(Date.now() - termAt < 11_000, 'within the grace period');
    await new Promise((res) => setTimeout(res, 500));
    const outcomes = await loop.stop();
    assert.equal(outcomes.filter((o) => o.status !== 200).length, 0, failures(outcomes));
    await stack.restart(service, 0);
  });
}

async function probeReady(port: number): Promise<number> {
  const { probe } = await import('../kit/compose.js');
  return probe(port, '/readyz');
}
