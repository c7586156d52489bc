import type { Session } from '@drawbridge/protocol';
import { median } from '../lib/stats.js';
import { waitForStatus } from '../lib/wait.js';
import type { Timing } from '../report/types.js';
import { type DrawbridgeTarget, signInTunnel, startTunnelClient } from '../targets/drawbridge-aio.js';

/**
 * More Authorize → first 200 samples: drop the tunnel (wait for 503/502), connect a fresh `ssh -R`
 * with a new key, approve, time the first 200. The target keeps the last client running.
 */
export async function measureAuthorize(
  t: DrawbridgeTarget,
  dir: string,
  upstreamPort: number,
  approve: (userCode: string) => Promise<Session>,
  extra: number,
): Promise<Timing> {
  const samples = [t.authorizeToFirst200Ms];
  let note: string | undefined;
  for (let i = 0; i < extra; i++) {
    try {
      await t.ssh.stop();
      // 503 is the contract for "no tunnel"; 502 (a stale pooled stream) also proves the old tunnel is gone.
      await waitForStatus(t, [502, 503], { timeoutMs: 20_000 });
      const ssh = startTunnelClient(dir, t.setup, upstreamPort, `${t.key}-authorize-${i}`);
      t.ssh = ssh;
      samples.push(await signInTunnel(t, approve));
    } catch (err) {
      note = String(err).split('\n')[0];
      break;
    }
  }
  return { what: 'authorize', target: t.key, ms: median(samples), samples, note };
}
