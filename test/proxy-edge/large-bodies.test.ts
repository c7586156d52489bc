// 1 GiB down and 1 GiB up through proxy-edge (TLS, auth, tunnel connector) while watching this
// process's RSS: bodies must stream, never buffer. The tunnel is an in-process dialer to a local
// port, so only proxy-edge's own memory behaviour is measured (and the test stays well under a minute).
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import {
  type Harness,
  LocalPortDialer,
  startHarness,
} from '../../services/proxy-edge/src/testing/harness.js';

const GiB = 1024 ** 3;
const LIMIT = 100 * 1024 * 1024;
let h: Harness;
let cookie: string;

before(async () => {
  h = await startHarness();
  ({ cookie } = await h.session());
  await h.attach('edge-local', new LocalPortDialer(h.upstream.port), 'tunnel-big');
  // Warm up every code path so the baseline includes them.
  await h.get('/bytes/1048576', { headers: { cookie } });
});
after(() => h.close());

/** Runs `fn` while sampling RSS; returns the peak growth over the starting RSS. */
async function rssGrowth(fn: () => Promise<void>): Promise<number> {
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, process.memoryUsage().rss) - base;
}

test('a 1 GiB download streams through without the process growing by 100 MB', {
  timeout: 60_000,
}, async () => {
  let received = 0;
  const t0 = performance.now();
  const growth = await rssGrowth(async () => {
    const res = await request(`${h.edge.url()}/bytes/${GiB}`, {
      dispatcher: h.client,
      headers: { host: 'app.localhost', cookie },
    });
    assert.equal(res.statusCode, 200);
    for await (const chunk of res.body) received += (chunk as Buffer).length;
  });
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `download: ${GiB} bytes in ${seconds.toFixed(1)} s (${(GiB / 2 ** 20 / seconds).toFixed(0)} MiB/s), RSS growth ${(growth / 2 ** 20).toFixed(1)} MiB`,
  );
  assert.equal(received, GiB);
  assert.ok(growth < LIMIT, `RSS grew by ${(growth / 2 ** 20).toFixed(1)} MiB`);
});

test('a 1 GiB upload streams through without the process growing by 100 MB', {
  timeout: 60_000,
}, async () => {
  const chunk = Buffer.alloc(64 * 1024, 98);
  let sent = 0;
  const body = new Readable({
    read() {
      if (sent >= GiB) return void this.push(null);
      sent += chunk.length;
      this.push(chunk);
    },
  });
  let answer: { size: number } | undefined;
  const t0 = performance.now();
  const growth = await rssGrowth(async () => {
    const res = await request(`${h.edge.url()}/upload`, {
      dispatcher: h.client,
      method: 'POST',
      headers: { host: 'app.localhost', cookie, 'content-length': String(GiB) },
      body,
    });
    assert.equal(
      res.statusCode,
      200,
      h.logs.filter((l) => l.includes('"level":40') || l.includes('"level":50')).join(''),
    );
    answer = (await res.body.json()) as { size: number };
  });
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `upload: ${GiB} bytes in ${seconds.toFixed(1)} s (${(GiB / 2 ** 20 / seconds).toFixed(0)} MiB/s), RSS growth ${(growth / 2 ** 20).toFixed(1)} MiB`,
  );
  assert.equal(answer?.size, GiB);
  assert.ok(growth < LIMIT, `RSS grew by ${(growth / 2 ** 20).toFixed(1)} MiB`);
});
