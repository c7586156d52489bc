import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createLogger, type Logger } from '@drawbridge/log';
import type { BusEvents } from '@drawbridge/protocol';
import { Bus } from '../bus.js';
import { EnvelopeCodec } from '../envelope.js';
import { ERR_BUS_NO_RESPONDER, ERR_BUS_TIMEOUT } from '../errors.js';
import type { BusTransport } from '../transport.js';

export const SECRET = 'contract-shared-secret-0123456789abcdef';

/** One medium under test (an in-process transport, or a nats-server) opened before the cases. */
export interface BusFixture {
  /** A new transport on the shared medium (a new connection for NATS; the same object in-process). */
  transport(): Promise<BusTransport>;
  /** Restarts the medium on the same address (nats-server stop + start). */
  restart?(): Promise<void>;
  close(): Promise<void>;
}

export interface BusCapabilities {
  restart?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A logger whose lines the test can read, to prove dropped messages are logged. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n'))
        if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger({ name: 'bus-contract', destination }), lines };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/**
 * The behaviour every bus transport must show under `Bus`; each adapter's test file calls this once.
 * @example busContract('in-process', async () => { const t = new InProcessTransport(); return { transport: async () => t, close: () => t.close() }; });
 */
export function busContract(
  name: string,
  makeFixture: () => Promise<BusFixture>,
  capabilities: BusCapabilities = {},
): void {
  describe(`bus contract: ${name}`, () => {
    let fx: BusFixture;
    const opened: Bus[] = [];
    const open = async (origin: string, opts: { secret?: string; logger?: Logger } = {}) => {
      const bus = new Bus({
        transport: await fx.transport(),
        sharedSecret: opts.secret ?? SECRET,
        origin,
        logger: opts.logger,
      });
      opened.push(bus);
      return bus;
    };
    before(async () => {
      fx = await makeFixture();
    });
    after(async () => {
      await Promise.allSettled(opened.map((b) => b.close()));
      await fx?.close();
    });

    test('delivers an event to every subscriber with its payload and origin', async () => {
      const a = await open('proxy-edge@a');
      const b = await open('proxy-edge@b');
      const sender = await open('ssh-edge@1');
      const got: Array<[string, BusEvents['edge.draining'], string]> = [];
      const stopA = a.subscribe('edge.draining', (p, m) => got.push(['a', p, m.origin]));
      const stopB = b.subscribe('edge.draining', (p, m) => got.push(['b', p, m.origin]));
      await sleep(50);
      await sender.publish('edge.draining', { edgeId: 'e1', kind: 'ssh-edge' });
      await until(() => got.length === 2, 2000, 'delivery');
      assert.deepEqual(got.map((g) => g[0]).sort(), ['a', 'b']);
      for (const g of got) {
        assert.deepEqual(g[1], { edgeId: 'e1', kind: 'ssh-edge' });
        assert.equal(g[2], 'ssh-edge@1');
      }
      stopA();
      stopB();
    });

    test('one of several responders answers each request', async () => {
      const r1 = await open('authz@1');
      const r2 = await open('authz@2');
      const client = await open('proxy-edge@1');
      const calls: string[] = [];
      const decide = (who: string) => async () => {
        calls.push(who);
        return { allow: true, reason: 'allowed' as const, generation: 7 };
      };
      const stops = [r1.handle('authz.evaluate', decide('r1')), r2.handle('authz.evaluate', decide('r2'))];
      await sleep(50);
      const req = { routeFrom: 'https://a.example.com', kind: 'route' as const, input: { now: Date.now() } };
      for (let i = 0; i < 10; i++)
        assert.deepEqual(await client.request('authz.evaluate', req), {
          allow: true,
          reason: 'allowed',
          generation: 7,
        });
      assert.equal(calls.length, 10, 'each request handled exactly once');
      for (const stop of stops) stop();
    });

    test('a remote failure comes back with its code; no responder fails fast', async () => {
      const server = await open('authz@1');
      const client = await open('proxy-edge@1');
      const stop = server.handle('authz.evaluate', async () => {
        throw Object.assign(new Error('policy broken'), { code: 'DRAWBRIDGE_POLICY_INVALID' });
      });
      await sleep(50);
      const req = { routeFrom: 'https://a.example.com', kind: 'route' as const, input: { now: Date.now() } };
      await assert.rejects(client.request('authz.evaluate', req), { code: 'DRAWBRIDGE_POLICY_INVALID' });
      stop();
      await sleep(50);
      await assert.rejects(client.request('authz.evaluate-many', [req], 1000), (err: { code?: string }) =>
        [ERR_BUS_NO_RESPONDER, ERR_BUS_TIMEOUT].includes(err.code ?? ''),
      );
    });

    test('drops and logs forged, unsigned, replayed and misdirected messages', async () => {
      const { logger, lines } = capturingLogger();
      const consumer = await open('proxy-edge@1', { logger });
      const raw = await fx.transport();
      const got: string[] = [];
      const captured: Uint8Array[] = [];
      consumer.subscribe('session.revoked', (p) => got.push(p.sessionId));
      const stopRaw = raw.subscribe('drawbridge.evt.session.revoked', (d) => captured.push(d));
      await sleep(50);

      const genuine = await open('authn@1');
      await genuine.publish('session.revoked', { sessionId: 'real', reason: 'test' });
      await until(() => got.length === 1 && captured.length === 1, 2000, 'genuine delivery');

      const subject = 'drawbridge.evt.session.revoked';
      const forger = new EnvelopeCodec('not-the-shared-secret-at-all-000000', 'authn@evil');
      await raw.publish(subject, forger.seal(subject, { sessionId: 'forged', reason: 'x' }));
      await raw.publish(
        subject,
        Buffer.from(
          JSON.stringify({
            v: 1,
            id: 'x',
            origin: 'authn@evil',
            ts: Date.now(),
            subject,
            payload: { sessionId: 'unsigned' },
          }),
        ),
      );
      await raw.publish(subject, Buffer.from('garbage'));
      await raw.publish(subject, captured[0] as Uint8Array);
      const elsewhere = new EnvelopeCodec(SECRET, 'authn@1').seal('drawbridge.evt.session.changed', {
        sessionId: 'misdirected',
      });
      await raw.publish(subject, elsewhere);
      await until(
        () => lines.filter((l) => l.msg === 'dropped bus message').length >= 5,
        2000,
        'five drops logged',
      );
      await sleep(100);
      assert.deepEqual(got, ['real']);
      const reasons = lines.filter((l) => l.msg === 'dropped bus message').map((l) => l.reason);
      assert.deepEqual(
        reasons.sort(),
        [
          'bad signature',
          'not JSON',
          'replayed',
          'signed for drawbridge.evt.session.changed',
          'unsigned',
        ].sort(),
      );
      stopRaw();
    });

    test('a request signed with the wrong secret gets no answer', async () => {
      const { logger, lines } = capturingLogger();
      const server = await open('authz@1', { logger });
      let calls = 0;
      const stop = server.handle('authz.evaluate', async () => {
        calls++;
        return { allow: true, reason: 'allowed' as const, generation: 1 };
      });
      await sleep(50);
      const forger = await open('proxy-edge@evil', { secret: 'wrong-secret-wrong-secret-wrong-secret' });
      const req = { routeFrom: 'https://a.example.com', kind: 'route' as const, input: { now: Date.now() } };
      await assert.rejects(forger.request('authz.evaluate', req, 500), { code: ERR_BUS_TIMEOUT });
      assert.equal(calls, 0);
      assert.ok(lines.some((l) => l.msg === 'dropped bus request' && l.reason === 'bad signature'));
      stop();
    });

    test('consumers survive a restart of the medium and hear about the reconnect', {
      skip: !capabilities.restart,
    }, async () => {
      const consumer = await open('proxy-edge@1');
      const producer = await open('ssh-edge@1');
      const responder = await open('authz@1');
      const got: string[] = [];
      let reconnects = 0;
      consumer.subscribe('tunnel.closed', (p) => got.push(p.tunnelId));
      consumer.onReconnect(() => reconnects++);
      const stop = responder.handle('authz.evaluate', async () => ({
        allow: false,
        reason: 'no-matching-allow' as const,
        generation: 2,
      }));
      await sleep(50);
      await producer.publish('tunnel.closed', { tunnelId: 'before', routeFrom: 'r', edgeId: 'e' });
      await until(() => got.length === 1, 2000, 'delivery before restart');

      await fx.restart?.();
      await until(() => reconnects >= 1, 10_000, 'onReconnect');
      await until(() => got.length === 1, 10, 'nothing spurious');
      // Every client reconnects on its own schedule: retry until the producer's message arrives.
      const deadline = Date.now() + 10_000;
      while (!got.includes('after') && Date.now() < deadline) {
        await producer
          .publish('tunnel.closed', { tunnelId: 'after', routeFrom: 'r', edgeId: 'e' })
          .catch(() => {});
        await sleep(200);
      }
      assert.ok(got.includes('after'), 'a message published after recovery is received');
      const req = { routeFrom: 'https://a.example.com', kind: 'route' as const, input: { now: Date.now() } };
      assert.equal((await consumer.request('authz.evaluate', req)).reason, 'no-matching-allow');
      await consumer.ping();
      stop();
    });
  });
}
