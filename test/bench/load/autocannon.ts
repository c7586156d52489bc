import type { Target } from '../targets/target.js';
import type { LoadResult } from './wrk.js';

/** The slice of autocannon's result this bench reads (the package ships no types). */
interface AutocannonResult {
  requests: { total: number; average: number };
  latency: { p50: number; p99: number };
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

/** Fallback load generator when Debian's wrk is not installed. Latencies in ms. */
export async function autocannonRun(t: Target, connections: number, seconds: number): Promise<LoadResult> {
  const u = new URL(t.url);
  // A computed specifier keeps tsc from asking for the missing type declarations.
  const name = 'autocannon';
  const autocannon = ((await import(name)) as { default: Autocannon }).default;
  const r = await autocannon({
    url: `${u.protocol}//${t.connectHost}:${t.connectPort}/`,
    connections,
    duration: seconds,
    headers: { host: u.host, ...t.headers },
    // Self-signed dev certificate; SNI is the route host as a browser would send it.
    servername: u.hostname,
    rejectUnauthorized: false,
  });
  return {
    requests: r.requests.total,
    seconds: r.duration,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.non2xx + r.errors + r.timeouts,
  };
}
