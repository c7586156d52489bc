import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Target } from '../targets/target.js';

const run = promisify(execFile);

/** One load run's figures. Latencies in ms. */
export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx/3xx answers plus socket errors: a run with these is not a clean throughput figure. */
  errors: number;
}

function toMs(value: string, unit: string): number {
  const v = Number(value);
  return unit === 'us'
    ? v / 1000
    : unit === 'ms'
      ? v
      : unit === 's'
        ? v * 1000
        : unit === 'm'
          ? v * 60_000
          : Number.NaN;
}

/** Parses `wrk --latency` output. */
export function parseWrk(text: string): LoadResult {
  const pct = (p: string) => {
    const m = text.match(new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm'));
    return m ? toMs(m[1]!, m[2]!) : Number.NaN;
  };
  const total = text.match(/(\d+) requests in ([\d.]+)(us|ms|s|m)/);
  const non2xx = Number(text.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
  const sock = text.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const sockErrors = sock ? sock.slice(1).reduce((s, x) => s + Number(x), 0) : 0;
  const requests = Number(total?.[1] ?? 0);
  const seconds = total ? toMs(total[2]!, total[3]!) / 1000 : Number.NaN;
  return {
    requests,
    seconds,
    rps: Number(text.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? Number.NaN),
    p50: pct('50'),
    p99: pct('99'),
    errors: non2xx + sockErrors,
  };
}

/**
 * A Lua script that connects to `connectHost` while keeping the URL's host for SNI and Host, the
 * way a browser reaches a route host that DNS maps to the gateway.
 */
function luaScript(dir: string, t: Target): string {
  const path = join(dir, `wrk-${t.key}.lua`);
  const headers = Object.entries(t.headers)
    .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
    .join('\n');
  const u = new URL(t.url);
  writeFileSync(
    path,
    `wrk.resolve = function(host, service)
  wrk.addrs = wrk.lookup(${JSON.stringify(t.connectHost)}, ${JSON.stringify(String(t.connectPort))})
end
wrk.headers["Host"] = ${JSON.stringify(u.host)}
${headers}
`,
  );
  return path;
}

/** Runs wrk against `<target.url>/` at the given concurrency. */
export async function wrkRun(
  t: Target,
  dir: string,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const threads = Math.min(connections, 2);
  const { stdout } = await run(
    'wrk',
    [
      '-t',
      String(threads),
      '-c',
      String(connections),
      '-d',
      `${seconds}s`,
      '--timeout',
      '5s',
      '--latency',
      '-s',
      luaScript(dir, t),
      `${t.url}/`,
    ],
    { maxBuffer: 1 << 20 },
  );
  return parseWrk(stdout);
}
