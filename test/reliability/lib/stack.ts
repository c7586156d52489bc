// The compose stack as local processes (test/kit/compose.ts's plan), but with Redis and NATS
// handles the test controls (restart, persistence) and replicas that can be started again.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DevSetup } from '@drawbridge/cli';
import { parseDocument } from 'yaml';
import {
  COMPOSE_CONFIG_SOURCE,
  planComposeStack,
  prepareComposeConfig,
  probe,
  type ReplicaPlan,
} from '../../kit/compose.js';
import { waitUntil } from '../../kit/index.js';
import { type NatsHandle, startNats } from '../../kit/nats.js';
import { type RedisHandle, startRedis } from '../../kit/redis.js';
import { tempDir } from '../../kit/tmp.js';

export interface Replica extends ReplicaPlan {
  child: ChildProcess;
  /** Everything it printed since the stack started (all incarnations). */
  log: string[];
  healthPort?: number;
  exited(): Promise<number | null>;
}

export interface Stack {
  dir: string;
  configDir: string;
  setup: DevSetup;
  redis: RedisHandle;
  nats: NatsHandle;
  replicas: Replica[];
  replica(service: string, index?: number): Replica;
  httpsPort(index?: number): number;
  sshPort(index?: number): number;
  /** Sends `signal` and waits for the exit; resolves with the exit code (null on a signal). */
  signal(service: string, index: number, signal: NodeJS.Signals): Promise<number | null>;
  /** Starts a stopped replica again with the same ports and waits for /readyz. */
  restart(service: string, index?: number): Promise<void>;
  /** All output of every replica, for log scans and failure reports. */
  allLogs(): string;
  stop(): Promise<void>;
}

function portFromEnv(env: Record<string, string>, name: string): number | undefined {
  const m = env[name] ? /:(\d+)(\/|$)/.exec(env[name] as string) : null;
  return m ? Number(m[1]) : undefined;
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

async function waitReady(r: Replica, timeoutMs = 60_000): Promise<void> {
  if (r.healthPort === undefined) return;
  await waitUntil(
    async () => {
      if (r.child.exitCode !== null) throw new Error(`${r.service}#${r.replica} exited:\n${r.log.join('')}`);
      return (await probe(r.healthPort as number, '/readyz')) === 200;
    },
    timeoutMs,
    `${r.service}#${r.replica} /readyz`,
  ).catch((err: Error) => {
    // Say why: the replica's own last words are what a CI log needs.
    throw new Error(`${err.message}; its output ends with:\n${r.log.join('').slice(-4000)}`);
  });
}

/** Starts every Drawbridge service of docker-compose.yml from dist, with its own Redis and NATS. */
export async function startStack(
  opts: {
    scale?: Record<string, number>;
    drainGrace?: string;
    persistentRedis?: boolean;
    logLevel?: string;
  } = {},
): Promise<Stack> {
  const tmp = tempDir('drawbridge-reliability-');
  const configDir = join(tmp.path, 'config');
  const setup = prepareComposeConfig(configDir);
  const redis = await startRedis({ persistent: opts.persistentRedis ?? true });
  const nats = await startNats();
  const plan = await planComposeStack({
    scale: opts.scale,
    useDist: true,
    mountSources: { [COMPOSE_CONFIG_SOURCE]: configDir },
    infra: { redis: redis.port, nats: nats.port },
  });
  // As test/kit/compose.ts does: the dev IdP listens on its local port; a short drain grace.
  const file = join(configDir, 'config.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const idp = plan.replicas.find((r) => r.program === 'dev-idp');
  const address = doc.getIn(['dev_idp', 'address']);
  if (idp && typeof address === 'string') {
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    doc.setIn(['dev_idp', 'address'], `127.0.0.1:${plan.portOf(idp.service, port, 0)}`);
  }
  doc.set('ssh_drain_grace_period', opts.drainGrace ?? '5s');
  writeFileSync(file, doc.toString(), { mode: 0o600 });

  const replicas: Replica[] = [];
  const launch = (r: Replica) => {
    const child = spawn(r.command, r.args, {
      cwd: r.cwd,
      env: {
        ...process.env,
        ...r.env,
        LOG_LEVEL: opts.logLevel ?? 'debug',
        DRAWBRIDGE_LOG_LEVEL: opts.logLevel ?? 'debug',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (b: Buffer) => {
      r.log.push(b.toString());
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    r.child = child;
  };
  const stop = async () => {
    await Promise.all(
      replicas.map(async (r) => {
        if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGTERM');
        const t = setTimeout(() => r.child.kill('SIGKILL'), 10_000);
        await exitOf(r.child);
        clearTimeout(t);
      }),
    );
    await redis.stop();
    await nats.stop();
    tmp.cleanup();
  };
  try {
    for (const p of plan.replicas) {
      const r = { ...p, log: [], healthPort: portFromEnv(p.env, 'HEALTH_ADDRESS') } as unknown as Replica;
      r.exited = () => exitOf(r.child);
      launch(r);
      replicas.push(r);
    }
    for (const r of replicas) await waitReady(r);
  } catch (err) {
    await stop();
    throw err;
  }
  const replica = (service: string, index = 0) => {
    const r = replicas.find((x) => x.service === service && x.replica === index);
    if (!r) throw new Error(`no replica ${service}#${index}`);
    return r;
  };
  return {
    dir: tmp.path,
    configDir,
    setup,
    redis,
    nats,
    replicas,
    replica,
    httpsPort: (i = 0) => portFromEnv(replica('proxy-edge', i).env, 'ADDRESS') as number,
    sshPort: (i = 0) => portFromEnv(replica('ssh-edge', i).env, 'SSH_ADDRESS') as number,
    async signal(service, index, signal) {
      const r = replica(service, index);
      r.child.kill(signal);
      return exitOf(r.child);
    },
    async restart(service, index = 0) {
      const r = replica(service, index);
      if (r.child.exitCode === null && r.child.signalCode === null)
        throw new Error(`${service}#${index} is running`);
      launch(r);
      await waitReady(r);
    },
    allLogs: () => replicas.map((r) => `--- ${r.service}#${r.replica} ---\n${r.log.join('')}`).join('\n'),
    stop,
  };
}
