import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Target } from '../targets/target.js';

/** One GET through a target; resolves with the status code (0 on a connection error). */
export function getStatus(t: Target, path = '/', timeoutMs = 5000): Promise<number> {
  const u = new URL(t.url);
  const opts = {
    host: t.connectHost,
    port: t.connectPort,
    path,
    method: 'GET',
    headers: { host: u.host, ...t.headers },
    servername: u.hostname,
    rejectUnauthorized: false,
    agent: false as const,
    timeout: timeoutMs,
  };
  return new Promise((resolve) => {
    const req = (u.protocol === 'https:' ? httpsRequest : request)(opts, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Polls until `get` returns one of `statuses`; resolves with ms elapsed since `since`. */
export async function waitForStatus(
  t: Target,
  statuses: number[],
  opts: { since?: number; timeoutMs?: number; intervalMs?: number } = {},
): Promise<number> {
  const since = opts.since ?? performance.now();
  const deadline = since + (opts.timeoutMs ?? 15_000);
  let last = 0;
  for (;;) {
    last = await getStatus(t);
    if (statuses.includes(last)) return performance.now() - since;
    if (performance.now() > deadline) {
      throw new Error(
        `${t.label}: expected ${statuses.join('/')} but still got ${last} after ${opts.timeoutMs ?? 15_000} ms`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 5));
  }
}
