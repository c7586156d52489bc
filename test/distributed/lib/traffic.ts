import type { PageResponse } from '../../deploy/lib/browser-session.js';

/** One request of a traffic run, with when it started relative to the run's mark. */
export interface Sample {
  startedAt: number;
  proxy: number;
  status: number;
  body: string;
}

/**
 * Keeps `workers` sequential request loops running across proxy-edges until `stop()`, recording
 * every outcome (a failed connection counts as status 0).
 */
export function runTraffic(
  send: (proxy: number) => Promise<PageResponse>,
  opts: { proxies: number; workers?: number },
): { samples: Sample[]; stop(): Promise<Sample[]> } {
  const samples: Sample[] = [];
  let running = true;
  let n = 0;
  const loop = async () => {
    while (running) {
      const proxy = n++ % opts.proxies;
      const startedAt = Date.now();
      try {
        const res = await send(proxy);
        samples.push({ startedAt, proxy, status: res.status, body: res.body });
      } catch (err) {
        samples.push({ startedAt, proxy, status: 0, body: String(err) });
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const loops = Array.from({ length: opts.workers ?? 4 }, loop);
  return {
    samples,
    async stop() {
      running = false;
      await Promise.all(loops);
      return samples;
    },
  };
}

/** Value → count (statuses, bodies), for messages. */
export function histogram(values: Array<string | number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
