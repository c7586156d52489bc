import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Session } from '@drawbridge/protocol';
import { waitUntil } from '../../kit/index.js';
import { type NodeChild, REPO_ROOT, startNodeChild } from '../lib/child.js';
import { rssBytes } from '../lib/proc.js';
import { addTopLevelKeys, type BenchSetup, benchSetup } from '../lib/setup.js';
import { benchIdentity } from '../lib/signin.js';
import type { FleetResult } from '../report/types.js';

const MiB = 1024 * 1024;

/** An ssh-edge (with authz beside it, as all-in-one has) dedicated to holding a fleet of idle tunnels. */
export async function startFleetEdge(dir: string): Promise<{ setup: BenchSetup; edge: NodeChild }> {
  const setup = await benchSetup(join(dir, 'fleet'), { storage: 'memory' });
  // One identity opens every tunnel here; the per-identity cap (default 64) is a guard, not a capacity limit.
  addTopLevelKeys(setup.configFile, ['ssh_max_tunnels_per_identity: 1000000', 'log_level: warn']);
  const edge = await startNodeChild(
    join(REPO_ROOT, 'test/bench/drawbridge-main.ts'),
    ['--config', setup.dir, '--services', 'authz,ssh-edge'],
    { nodeArgs: ['--expose-gc'] },
  );
  return { setup, edge };
}

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
}

/**
 * Opens `n` idle tunnels on one ssh-edge with the ssh2 fleet, and reports memory per tunnel as the
 * growth of the edge's RSS and JS heap (after GC) divided by the tunnels held.
 */
export async function measureFleet(dir: string, n: number, log: (s: string) => void): Promise<FleetResult> {
  const { setup, edge } = await startFleetEdge(dir);
  const fleet = await startNodeChild(join(REPO_ROOT, 'test/bench/fleet-main.ts'), [], {
    nodeArgs: ['--max-old-space-size=8192'],
  });
  try {
    const blobs = await fleet.call<string[]>('keys', { n }, 600_000);
    const session = await edge.call<Session>('session', { identity: benchIdentity(setup.email) });
    await edge.call('bindKeys', { sessionId: session.id, keys: blobs }, 600_000);
    const before = await edge.call<Memory>('memory');
    const rss0 = rssBytes(edge.pid);
    log(`  fleet: ${n} keys bound; ssh-edge RSS ${(rss0 / MiB).toFixed(1)} MiB; connecting…`);
    const r = await fleet.call<{ held: number; seconds: number; failures: string[] }>(
      'connect',
      {
        host: '127.0.0.1',
        port: setup.sshPort,
        username: userInfo().username,
        bindHost: setup.routeHost,
        concurrency: 64,
      },
      1_800_000,
    );
    const registered = await waitUntil(
      async () => {
        const c = await edge.call<number>('tunnels');
        return c >= r.held ? c : 0;
      },
      10_000,
      'the registry to list every tunnel',
    ).catch(async () => edge.call<number>('tunnels'));
    const after = await edge.call<Memory>('memory');
    const rss1 = rssBytes(edge.pid);
    const per = (a: number, b: number) => (r.held > 0 ? (b - a) / r.held / 1024 : Number.NaN);
    log(
      `  fleet: ${r.held}/${n} held in ${r.seconds.toFixed(1)} s; RSS ${(rss1 / MiB).toFixed(1)} MiB (${per(rss0, rss1).toFixed(1)} KiB/tunnel), heap ${per(before.heapUsed, after.heapUsed).toFixed(1)} KiB/tunnel`,
    );
    return {
      attempted: n,
      held: r.held,
      registered,
      connectSeconds: r.seconds,
      rssBaselineMiB: rss0 / MiB,
      rssPerTunnelKiB: per(rss0, rss1),
      heapPerTunnelKiB: per(before.heapUsed, after.heapUsed),
      failures: r.failures.slice(0, 5),
      method:
        'Each tunnel is its own SSH connection from an ssh2 client with its own ed25519 key and one `tcpip-forward` for the route host. ' +
        "ssh2's client cannot offer OpenSSH certificates, so the keys are pre-bound to one live session through the registry's KeyBinding path (what a browser sign-in with a remembered key leaves behind). " +
        'The ssh-edge runs with authz in its own process (memory registry, `ssh_max_tunnels_per_identity` raised because one identity opens them all); RSS from /proc and JS heap after two forced GCs, before and after.',
    };
  } finally {
    await fleet.stop();
    await edge.stop();
  }
}
