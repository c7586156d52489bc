// Redis restart, NATS restart and an invalid config written while a visitor's request loop runs
// through proxy-edge: one distributed stack (every service its own process, from dist).
import assert from 'node:assert/strict';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type SshClient, waitUntil } from '../kit/index.js';
import { type Stack, startStack } from './lib/stack.js';
import {
  failures,
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

async function tunnelTo(name: string): Promise<{ ssh: SshClient; port: number }> {
  const up = await startUpstream(name);
  upstreams.push(up);
  const ssh = publish(stack, key, up.port);
  clients.push(ssh);
  return { ssh, port: up.port };
}

const served = (outcomes: Outcome[], name: string) =>
  outcomes.some((o) => o.status === 200 && o.upstream === name);

before(async () => {
  stack = await startStack({ persistentRedis: true });
  key = newClientKey(stack.dir);
  const up = await startUpstream('A');
  upstreams.push(up);
  const ssh = publish(stack, key, up.port);
  clients.push(ssh);
  visitor = await signIn(stack, ssh, key);
});

after(async () => {
  for (const c of clients) await c.stop();
  for (const u of upstreams) u.close();
  await stack?.stop();
});

/** Runs `fault` under the loop; returns outcomes and when the fault was over. */
async function underLoop(fault: () => Promise<void>, settleMs: number, check?: (o: Outcome[]) => boolean) {
  const loop = requestLoop(stack.httpsPort(), visitor);
  await new Promise((r) => setTimeout(r, 700));
  const before = loop.outcomes.length;
  const started = Date.now();
  await fault();
  const recovered = Date.now();
  // Recovery: the first success after the fault is over; then everything must succeed.
  const firstOk = await waitUntil(
    () => loop.since(recovered).find((o) => o.status === 200)?.at,
    15_000,
    'a 200 after the fault',
  );
  if (check) await waitUntil(() => check(loop.since(firstOk)), 15_000, 'the post-fault check');
  const steady = Date.now() + 500; // requests in flight at recovery may still fail
  await new Promise((r) => setTimeout(r, settleMs));
  const outcomes = await loop.stop();
  return { before, started, recovered, firstOk, outcomes, after: outcomes.filter((o) => o.at >= steady) };
}

test('Redis restart under load: the session survives, tunnels attach again, no error after recovery', {
  timeout: 90_000,
}, async () => {
  const r = await underLoop(async () => {
    await stack.redis.restart();
  }, 2_500);
  assert.ok(r.before > 0, 'the loop ran before the restart');
  assert.ok(r.after.length > 10, `requests after recovery: ${r.after.length}`);
  assert.equal(r.after.filter((o) => o.status !== 200).length, 0, `after recovery: ${failures(r.after)}`);
  // No 200 during the outage may come from anyone but the signed-in visitor's route (fail closed is the colleague's case).
  // The session is still there: the same cookie is served, and the same key is let in without a new sign-in.
  const b = await tunnelTo('B');
  const loop = requestLoop(stack.httpsPort(), visitor);
  try {
    await waitUntil(
      () => served(loop.outcomes, 'B'),
      15_000,
      'a new tunnel from the same key (no new sign-in) is served',
    );
    assert.doesNotMatch(
      b.ssh.output,
      /sign_in\?user_code/,
      'the key bound before the restart needs no new sign-in',
    );
    assert.ok(served(loop.outcomes, 'A'), 'the tunnel held before the restart still serves');
  } finally {
    await loop.stop();
  }
  assert.ok(
    clients.every((c) => c.running),
    'every ssh -R stays connected',
  );
});

test('NATS restart under load: no error after recovery, tunnel attach and detach events flow again', {
  timeout: 90_000,
}, async () => {
  const r = await underLoop(() => stack.nats.restart(), 1_500);
  assert.ok(r.after.length > 10, `requests after recovery: ${r.after.length}`);
  assert.equal(r.after.filter((o) => o.status !== 200).length, 0, `after recovery: ${failures(r.after)}`);

  // Resynchronised: a tunnel closed after the restart stops receiving traffic and a new one gets it.
  const b = clients[1] as SshClient;
  const loop = requestLoop(stack.httpsPort(), visitor);
  try {
    await b.stop();
    const closed = Date.now();
    await tunnelTo('C');
    await waitUntil(
      () => served(loop.since(closed), 'C'),
      15_000,
      'a tunnel attached after the NATS restart is served',
    );
    const steady = Date.now();
    await new Promise((res) => setTimeout(res, 1_500));
    const late = loop.since(steady);
    assert.equal(late.filter((o) => o.status !== 200).length, 0, `after resync: ${failures(late)}`);
    assert.ok(!late.some((o) => o.upstream === 'B'), 'nothing is routed to the closed tunnel');
  } finally {
    await loop.stop();
  }
});

test('invalid config written mid-load: the last good config keeps serving and the error names file and line', {
  timeout: 60_000,
}, async () => {
  const file = join(stack.configDir, 'config.yaml');
  const good = readFileSync(file, 'utf8');
  const lines = good.trimEnd().split('\n');
  const badLine = lines.length + 1;
  const mark = stack.replicas.map((x) => x.log.length);
  const loop = requestLoop(stack.httpsPort(), visitor);
  try {
    await new Promise((r) => setTimeout(r, 500));
    // As `sed -i` does: a new file renamed over the old one.
    writeFileSync(`${file}.tmp`, `${lines.join('\n')}\nssh_drain_grace_period: [not, a, duration]\n`, {
      mode: 0o600,
    });
    renameSync(`${file}.tmp`, file);
    const logged = (i: number) =>
      (stack.replicas[i] as Stack['replicas'][number]).log.slice(mark[i]).join('');
    await waitUntil(
      () => stack.replicas.every((_, i) => logged(i).includes('invalid config')),
      15_000,
      'every service to log the invalid config',
    );
    for (const [i, x] of stack.replicas.entries()) {
      const text = logged(i);
      assert.ok(
        text.includes(`config.yaml:${badLine}`),
        `${x.service}#${x.replica} names ${file}:${badLine}:\n${text.slice(-1500)}`,
      );
      assert.ok(text.includes(stack.configDir), `${x.service}#${x.replica} names the file's directory`);
    }
    await new Promise((r) => setTimeout(r, 1_500));
  } finally {
    await loop.stop();
    writeFileSync(file, good, { mode: 0o600 });
  }
  assert.ok(loop.outcomes.length > 20, `requests: ${loop.outcomes.length}`);
  assert.equal(loop.outcomes.filter((o) => o.status !== 200).length, 0, failures(loop.outcomes));
  for (const x of stack.replicas)
    assert.equal(x.child.exitCode, null, `${x.service}#${x.replica} still runs`);
});
