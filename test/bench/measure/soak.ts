import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Session } from '@drawbridge/protocol';
import { waitUntil } from '../../kit/index.js';
import type { NodeChild } from '../lib/child.js';
import { REPO_ROOT, startNodeChild } from '../lib/child.js';
import { openFds, rssBytes } from '../lib/proc.js';
import { benchIdentity } from '../lib/signin.js';
import { wrkRun } from '../load/wrk.js';
import type { SoakResult } from '../report/types.js';
import type { DrawbridgeTarget } from '../targets/drawbridge-aio.js';

const MiB = 1024 * 1024;
// Under the default ssh_max_tunnels_per_identity (64) with the target's own tunnel, as one user would be.
const BATCH = 48;

/**
 * Tunnels connecting and disconnecting for `minutes` against a running all-in-one, with HTTPS load
 * through them: RSS must stay bounded, and fds and registry tunnels must return to where they were.
 */
export async function soak(
  t: DrawbridgeTarget & { child: NodeChild },
  dir: string,
  upstreamPort: number,
  minutes: number,
  log: (s: string) => void,
): Promise<SoakResult> {
  const fleet = await startNodeChild(join(REPO_ROOT, 'test/bench/fleet-main.ts'));
  const failures = new Map<string, number>();
  try {
    const blobs = await fleet.call<string[]>('keys', { n: BATCH });
    const session = await t.child.call<Session>('session', { identity: benchIdentity(t.setup.email) });
    await t.child.call('bindKeys', { sessionId: session.id, keys: blobs });
    const baseTunnels = await t.child.call<number>('tunnels');
    await t.child.call('memory');
    const rssStart = rssBytes(t.child.pid);
    const fdsStart = openFds(t.child.pid);
    let rssMax = rssStart;
    let cycles = 0;
    const deadline = Date.now() + minutes * 60_000;
    while (Date.now() < deadline) {
      const r = await fleet.call<{ held: number; failures: string[] }>('connect', {
        host: '127.0.0.1',
        port: t.setup.sshPort,
        username: userInfo().username,
        bindHost: t.setup.routeHost,
        forwardTo: upstreamPort,
        concurrency: 16,
      });
      for (const f of r.failures) failures.set(f, (failures.get(f) ?? 0) + 1);
      const load = await wrkRun(t, dir, 16, 3);
      if (load.errors)
        failures.set(
          'non-2xx or socket errors under churn',
          (failures.get('non-2xx or socket errors under churn') ?? 0) + load.errors,
        );
      await fleet.call('disconnect');
      cycles++;
      await t.child.call('memory');
      const rss = rssBytes(t.child.pid);
      rssMax = Math.max(rssMax, rss);
      if (cycles % 10 === 0)
        log(
          `  soak: cycle ${cycles}, RSS ${(rss / MiB).toFixed(1)} MiB, fds ${openFds(t.child.pid)}, ${load.rps.toFixed(0)} req/s`,
        );
    }
    const tunnelsLeft = await waitUntil(
      async () => ((await t.child.call<number>('tunnels')) === baseTunnels ? 'ok' : undefined),
      20_000,
      'the fleet tunnels to leave the registry',
    )
      .then(() => 0)
      .catch(async () => (await t.child.call<number>('tunnels')) - baseTunnels);
    await t.child.call('memory');
    return {
      minutes,
      cycles,
      rssStartMiB: rssStart / MiB,
      rssEndMiB: rssBytes(t.child.pid) / MiB,
      rssMaxMiB: rssMax / MiB,
      fdsStart,
      fdsEnd: openFds(t.child.pid),
      tunnelsLeft,
      failures: [...failures.entries()].map(([m, n]) => `${m} ×${n}`),
    };
  } finally {
    await fleet.stop();
  }
}
