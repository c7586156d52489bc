import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Session } from '@drawbridge/protocol';
import { isolatedSshOptions, newClientKey, SshClient } from '../../kit/index.js';
import { type NodeChild, REPO_ROOT, RUN_BUILT, startNodeChild } from '../lib/child.js';
import { type BenchSetup, benchSetup } from '../lib/setup.js';
import { benchIdentity, routeCookie } from '../lib/signin.js';
import { waitForStatus } from '../lib/wait.js';
import type { Target } from './target.js';

/** A running Drawbridge target and what the extra measurements need from it. */
export interface DrawbridgeTarget extends Target {
  setup: BenchSetup;
  ssh: SshClient;
  /** ms from the approval (Authorize) to the first 200 through the new tunnel. */
  authorizeToFirst200Ms: number;
}

/** `ssh -R <route host>:443:127.0.0.1:<upstream> -N` with a fresh key, as the tutorial has it. */
export function startTunnelClient(
  dir: string,
  setup: BenchSetup,
  upstreamPort: number,
  name: string,
): SshClient {
  const key = newClientKey(dir, 'ed25519', `${name}_key`);
  return new SshClient({
    args: [
      ...isolatedSshOptions(key),
      '-R',
      `${setup.routeHost}:443:127.0.0.1:${upstreamPort}`,
      '-N',
      '-p',
      String(setup.sshPort),
      `${userInfo().username}@127.0.0.1`,
    ],
  });
}

/**
 * Signs the tunnel in (approve), then waits for the first 200 through it with a session cookie.
 * `approve` does what Authorize does; the time from its start to the first 200 is the figure.
 */
export async function signInTunnel(
  t: DrawbridgeTarget,
  approve: (userCode: string) => Promise<Session>,
): Promise<number> {
  const m = await t.ssh.waitFor(/user_code=([A-Za-z0-9_-]{22})/, 30_000);
  const start = performance.now();
  const session = await approve(m[1]!);
  t.headers.cookie = `_pomerium=${await routeCookie(t.setup.cookieSecret, session, t.setup.routeHost)}`;
  return waitForStatus(t, [200], { since: start, timeoutMs: 15_000, intervalMs: 2 });
}

/** Drawbridge all-in-one (`startServices` in one child process) with one real OpenSSH tunnel. */
export async function startAllInOne(
  dir: string,
  upstreamPort: number,
  opts: { nodeArgs?: string[]; key?: 'aio'; label?: string } = {},
): Promise<DrawbridgeTarget & { child: NodeChild }> {
  const setup = await benchSetup(join(dir, 'aio'));
  const child = await startNodeChild(
    join(REPO_ROOT, 'test/bench/drawbridge-main.ts'),
    ['--config', setup.dir],
    { nodeArgs: opts.nodeArgs, built: RUN_BUILT },
  );
  const t: DrawbridgeTarget & { child: NodeChild } = {
    key: opts.key ?? 'aio',
    label: opts.label ?? 'Drawbridge all-in-one',
    url: setup.routeUrl,
    connectHost: '127.0.0.1',
    connectPort: setup.httpsPort,
    headers: {},
    gatewayPids: () => [child.pid, ...(t.ssh.child.pid ? [t.ssh.child.pid] : [])],
    async stop() {
      await t.ssh.stop();
      await child.stop();
    },
    setup,
    ssh: startTunnelClient(dir, setup, upstreamPort, 'aio'),
    child,
    authorizeToFirst200Ms: Number.NaN,
  };
  try {
    const identity = benchIdentity(setup.email);
    t.authorizeToFirst200Ms = await signInTunnel(t, (userCode) =>
      child.call<Session>('approve', { userCode, identity }),
    );
    return t;
  } catch (err) {
    await t.stop();
    throw new Error(`${String(err)}\nssh: ${t.ssh.output}\ndrawbridge: ${child.output().slice(-3000)}`);
  }
}
