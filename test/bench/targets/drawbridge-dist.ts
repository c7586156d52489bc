import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createBus } from '@drawbridge/bus';
import type { Session } from '@drawbridge/protocol';
import { createStore, Registry } from '@drawbridge/registry';
import { waitUntil } from '../../kit/index.js';
import { startNats } from '../../kit/nats.js';
import { startRedis } from '../../kit/redis.js';
import { REPO_ROOT, RUN_BUILT } from '../lib/child.js';
import { processTree } from '../lib/proc.js';
import { benchSetup, makeDistributed } from '../lib/setup.js';
import { approveSignin, benchIdentity } from '../lib/signin.js';
import { type DrawbridgeTarget, signInTunnel, startTunnelClient } from './drawbridge-aio.js';

const SERVICES = ['dev-idp', 'authz', 'authn', 'ssh-edge', 'proxy-edge'] as const;

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Each service in its own process: `node services/<name>/dist/main.js` as deployed (sources through
 * tsx when RUN_BUILT is off); a service without a `main.ts` runs as `startServices` for that one service.
 */
function spawnService(name: string, configDir: string): { child: ChildProcess; output(): string } {
  const main = join(REPO_ROOT, 'services', name, 'src', 'main.ts');
  const built = join(REPO_ROOT, 'services', name, 'dist', 'main.js');
  const hasMain = existsSync(main);
  const entry =
    hasMain && RUN_BUILT
      ? [built]
      : [
          ...(RUN_BUILT ? [] : ['--conditions=development']),
          '--import',
          'tsx',
          ...(hasMain ? [main] : [join(REPO_ROOT, 'test/bench/drawbridge-main.ts'), '--services', name]),
        ];
  const child = spawn(process.execPath, [...entry, '--config', configDir], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe', ...(hasMain ? [] : ['ipc' as const])],
  });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  process.once('exit', () => child.kill('SIGKILL'));
  return { child, output: () => out };
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  c.kill('SIGTERM');
  const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
  await new Promise((r) => c.once('exit', r));
  clearTimeout(timer);
}

/** Drawbridge distributed: authz, authn, ssh-edge, proxy-edge (and the dev IdP) as processes, Redis + NATS. */
export async function startDistributed(dir: string, upstreamPort: number): Promise<DrawbridgeTarget> {
  const redis = await startRedis();
  const nats = await startNats();
  const setup = await benchSetup(join(dir, 'dist'));
  await makeDistributed(setup, redis.url, nats.url);
  const store = await createStore({ type: 'redis', connection: redis.url });
  const registry = new Registry(store);
  const bus = await createBus({ natsUrl: nats.url, sharedSecret: setup.sharedSecret, origin: 'bench@dist' });
  const procs = SERVICES.map((name) => ({ name, ...spawnService(name, setup.dir) }));
  const gateway = () =>
    procs.filter((p) => p.name !== 'dev-idp').flatMap((p) => (p.child.pid ? processTree(p.child.pid) : []));
  const stores = [...findPid(redis.port), ...findPid(nats.port)];
  const t: DrawbridgeTarget = {
    key: 'dist',
    label: 'Drawbridge distributed',
    url: setup.routeUrl,
    connectHost: '127.0.0.1',
    connectPort: setup.httpsPort,
    headers: {},
    gatewayPids: () => [...gateway(), ...stores, ...(t.ssh.child.pid ? [t.ssh.child.pid] : [])],
    async stop() {
      await t.ssh?.stop();
      for (const p of [...procs].reverse()) await stopChild(p.child);
      await bus.close().catch(() => {});
      await registry.close().catch(() => {});
      await nats.stop();
      await redis.stop();
    },
    setup,
    ssh: undefined as never,
    authorizeToFirst200Ms: Number.NaN,
  };
  try {
    await waitUntil(
      async () => (await listening(setup.httpsPort)) && (await listening(setup.sshPort)),
      60_000,
      'proxy-edge and ssh-edge to listen',
    );
    // authz answers over NATS; give it a moment past its own start so the first attach is not refused.
    await new Promise((r) => setTimeout(r, 1000));
    t.ssh = startTunnelClient(dir, setup, upstreamPort, 'dist');
    const identity = benchIdentity(setup.email);
    t.authorizeToFirst200Ms = await signInTunnel(
      t,
      (code): Promise<Session> => approveSignin(registry, bus, code, identity),
    );
    return Object.assign(t, { approve: (code: string) => approveSignin(registry, bus, code, identity) });
  } catch (err) {
    const logs = procs.map((p) => `--- ${p.name}\n${p.output().slice(-1500)}`).join('\n');
    await t.stop();
    throw new Error(`${String(err)}\nssh: ${t.ssh?.output}\n${logs}`);
  }
}

/** Redis and NATS run as children of the kit; find them by the loopback port they listen on. */
function findPid(port: number): number[] {
  try {
    const out = execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
    const m = out.match(/pid=(\d+)/);
    return m ? [Number(m[1])] : [];
  } catch {
    return [];
  }
}
