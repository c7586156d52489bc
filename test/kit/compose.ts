import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DevSetup, initDevSetup } from '@drawbridge/cli';
import { parse, parseDocument } from 'yaml';
import { type NatsHandle, startNats } from './nats.js';
import { freePort, waitUntil } from './ports.js';
import { childExited } from './probe.js';
import { type RedisHandle, startRedis } from './redis.js';
import { tempDir } from './tmp.js';

/** The repository root: the image's WORKDIR maps here. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');
/** The host directory compose mounts as the config directory; the kit substitutes a temp dir. */
export const COMPOSE_CONFIG_SOURCE = './deploy/compose/config';

// ---------------------------------------------------------------------------------------------
// Reading the compose file

interface ComposeService {
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  expose?: (string | number)[];
  ports?: (string | number | { target: number })[];
  volumes?: (string | { source?: string; target: string; type?: string })[];
  secrets?: (string | { source: string; target?: string })[];
  depends_on?: string[] | Record<string, unknown>;
  networks?: string[] | Record<string, { aliases?: string[] } | null>;
  profiles?: string[];
  [key: string]: unknown;
}

/** The parts of docker-compose.yml the kit reads. */
export interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file?: string }>;
}

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR-default}` interpolation against `env`. */
export function interpolate(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g,
    (_, name: string, op?: string, def?: string) => {
      const v = env[name];
      if (op === ':-') return v === undefined || v === '' ? (def ?? '') : v;
      if (op === '-') return v === undefined ? (def ?? '') : v;
      return v ?? '';
    },
  );
}

/** Parses docker-compose.yml as compose does (interpolation, `<<` merge keys). */
export function readComposeFile(file = COMPOSE_FILE, env: NodeJS.ProcessEnv = {}): ComposeFile {
  return parse(interpolate(readFileSync(file, 'utf8'), env), { merge: true }) as ComposeFile;
}

/** `WORKDIR` of the Dockerfile's last stage: where compose commands run inside the image. */
export function imageWorkdir(dockerfile = join(REPO_ROOT, 'Dockerfile')): string {
  const stages = readFileSync(dockerfile, 'utf8').split(/^FROM\s/m);
  const last = stages[stages.length - 1] ?? '';
  const dirs = [...last.matchAll(/^WORKDIR\s+(\S+)/gm)].map((m) => m[1] as string);
  return dirs[dirs.length - 1] ?? '/';
}

type Role = 'drawbridge' | 'redis' | 'nats' | 'other';

function roleOf(svc: ComposeService, drawbridgeImage: string): Role {
  const image = svc.image ?? '';
  if (image === drawbridgeImage) return 'drawbridge';
  if (/^(.*\/)?redis(:|$)/.test(image)) return 'redis';
  if (/^(.*\/)?nats(:|$)/.test(image)) return 'nats';
  return 'other';
}

function envList(svc: ComposeService): Record<string, string> {
  const out: Record<string, string> = {};
  const e = svc.environment;
  if (Array.isArray(e)) {
    for (const item of e) {
      const i = item.indexOf('=');
      if (i > 0) out[item.slice(0, i)] = item.slice(i + 1);
    }
  } else if (e) {
    for (const [k, v] of Object.entries(e)) if (v !== null && v !== undefined) out[k] = String(v);
  }
  return out;
}

function commandList(svc: ComposeService): string[] {
  if (Array.isArray(svc.command)) return svc.command.map(String);
  return typeof svc.command === 'string' ? svc.command.split(/\s+/).filter(Boolean) : [];
}

function dependencies(svc: ComposeService): string[] {
  const d = svc.depends_on;
  return Array.isArray(d) ? d : d ? Object.keys(d) : [];
}

function aliasesOf(name: string, svc: ComposeService): string[] {
  const nets = svc.networks;
  const extra = nets && !Array.isArray(nets) ? Object.values(nets).flatMap((n) => n?.aliases ?? []) : [];
  return [name, ...extra];
}

/** Which Drawbridge program a compose command runs (`services/<name>/…`), if any. */
export function programOf(command: string[]): string | undefined {
  for (const arg of command) {
    const m = /^(?:\/[^ ]*\/)?services\/([a-z-]+)\/dist\/main\.js$/.exec(arg);
    if (m) return m[1];
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Planning: compose service → local processes

/** One replica of one compose service, as a local process. */
export interface ReplicaPlan {
  service: string;
  replica: number;
  /** `services/<name>` program it runs (ssh-edge, authn, …). */
  program: string;
  cwd: string;
  command: string;
  args: string[];
  /** Only the variables compose sets (after rewriting); the process gets them on top of process.env. */
  env: Record<string, string>;
  /** Container port → local loopback port. */
  ports: Record<number, number>;
}

export interface StackPlan {
  replicas: ReplicaPlan[];
  /** Services the kit does not run, with the reason (e.g. the TCP balancer: replica ports are returned instead). */
  skipped: Record<string, string>;
  /** Container path → local path, from volumes and secrets. */
  mounts: Record<string, string>;
  /** Local port for a (service, container port, replica). */
  portOf(service: string, containerPort: number, replica?: number): number;
}

export interface PlanOptions {
  compose?: ComposeFile;
  scale?: Record<string, number>;
  /** Host paths compose mounts (relative to the compose file) → local paths to use instead. */
  mountSources?: Record<string, string>;
  /** Local ports of the kit's own infrastructure, by role. */
  infra: { redis: number; nats: number };
  /** Run the built `dist/*.js` instead of the sources under tsx (default: sources, no build needed). */
  useDist?: boolean;
  /** Reserve a free loopback port (injectable for deterministic tests). */
  allocate?: () => Promise<number>;
}

/** The image every Drawbridge service uses, as written on the service `ssh-edge`'s `image` key. */
function drawbridgeImage(compose: ComposeFile): string {
  const svc = Object.values(compose.services).find((s) => programOf(commandList(s)));
  if (!svc?.image) throw new Error('docker-compose.yml: no service runs services/<name>/dist/main.js');
  return svc.image;
}

const ADDRESS_RE =
  /^(?<scheme>[a-z][a-z0-9+.-]*:\/\/)?(?<host>\[[^\]]*\]|[A-Za-z0-9._-]*):(?<port>\d{1,5})(?<rest>\/.*)?$/;
const ANY_HOST = new Set(['', '0.0.0.0', '[::]', '*']);

/**
 * Maps every compose service to local processes, the way compose would run them: same command
 * (dist → src under tsx unless `useDist`), same environment with compose hostnames rewritten to
 * 127.0.0.1 and each container port of each replica given its own free loopback port, and mount
 * paths rewritten to local paths. Nothing is hard-coded per service.
 */
export async function planComposeStack(opts: PlanOptions): Promise<StackPlan> {
  const compose = opts.compose ?? readComposeFile();
  const allocate = opts.allocate ?? (() => freePort());
  const workdir = imageWorkdir();
  const image = drawbridgeImage(compose);
  const skipped: Record<string, string> = {};
  const hostToService = new Map<string, string>();
  const roles = new Map<string, Role>();
  for (const [name, svc] of Object.entries(compose.services)) {
    roles.set(name, roleOf(svc, image));
    for (const a of aliasesOf(name, svc)) hostToService.set(a, name);
  }

  // Mount table: container path → local path.
  const mountSources = opts.mountSources ?? {};
  const localSource = (source: string) => {
    for (const [from, to] of Object.entries(mountSources)) {
      const rel = relative(resolve(REPO_ROOT, from), resolve(REPO_ROOT, source));
      if (!rel.startsWith('..') && !isAbsolute(rel)) return join(to, rel);
    }
    return resolve(REPO_ROOT, source);
  };
  const mountsOf = (svc: ComposeService): Record<string, string> => {
    const m: Record<string, string> = {};
    for (const v of svc.volumes ?? []) {
      const [source, target] = typeof v === 'string' ? v.split(':') : [v.source, v.target];
      // Named volumes (no path) hold container-only state: nothing to map.
      if (source && target && /^[./~]/.test(source)) m[target] = localSource(source);
    }
    for (const s of svc.secrets ?? []) {
      const name = typeof s === 'string' ? s : s.source;
      const target = typeof s === 'string' ? `/run/secrets/${s}` : (s.target ?? `/run/secrets/${s.source}`);
      const file = compose.secrets?.[name]?.file;
      if (file) m[isAbsolute(target) ? target : `/run/secrets/${target}`] = localSource(file);
    }
    return m;
  };
  const allMounts: Record<string, string> = {};
  const mapPath = (value: string, mounts: Record<string, string>): string => {
    for (const [target, local] of Object.entries(mounts)) {
      if (value === target) return local;
      if (value.startsWith(`${target}/`)) return join(local, value.slice(target.length + 1));
    }
    if (value.startsWith(`${workdir}/`)) return join(REPO_ROOT, value.slice(workdir.length + 1));
    return value;
  };

  // Ports: one free loopback port per (service, replica, container port).
  const ports = new Map<string, number>();
  const key = (s: string, r: number, p: number) => `${s}#${r}#${p}`;
  const portOf = (service: string, containerPort: number, replica = 0): number => {
    const role = roles.get(service);
    if (role === 'redis') return opts.infra.redis;
    if (role === 'nats') return opts.infra.nats;
    const p = ports.get(key(service, replica, containerPort));
    if (p === undefined) throw new Error(`no local port for ${service}[${replica}]:${containerPort}`);
    return p;
  };
  const reserve = async (s: string, r: number, p: number) => {
    if (!ports.has(key(s, r, p))) ports.set(key(s, r, p), await allocate());
  };

  const order = startOrder(compose);
  const replicas: ReplicaPlan[] = [];
  for (const name of order) {
    const svc = compose.services[name] as ComposeService;
    const role = roles.get(name);
    if (svc.profiles?.length) {
      skipped[name] = `one-off (profiles: ${svc.profiles.join(', ')})`;
      continue;
    }
    if (role === 'redis' || role === 'nats') {
      skipped[name] = `the kit starts its own ${role}-server`;
      continue;
    }
    const command = commandList(svc);
    const program = programOf(command);
    if (role !== 'drawbridge' || !program) {
      skipped[name] =
        'not a Drawbridge service (a balancer): startComposeStack returns each replica’s own ports';
      continue;
    }
    const count = opts.scale?.[name] ?? 1;
    const env = envList(svc);
    const mounts = mountsOf(svc);
    Object.assign(allMounts, mounts);
    const containerPorts = new Set<number>();
    for (const e of svc.expose ?? []) containerPorts.add(Number(String(e).split('/')[0]));
    for (const p of svc.ports ?? []) {
      const target = typeof p === 'object' ? p.target : Number(String(p).split(':').pop()?.split('/')[0]);
      containerPorts.add(target);
    }
    for (const value of Object.values(env)) {
      const m = ADDRESS_RE.exec(value);
      if (m?.groups && ANY_HOST.has(m.groups.host ?? '')) containerPorts.add(Number(m.groups.port));
    }
    for (let r = 0; r < count; r++) {
      for (const p of containerPorts) await reserve(name, r, p);
    }
    for (let r = 0; r < count; r++) {
      const rewritten: Record<string, string> = {};
      for (const [k, value] of Object.entries(env)) {
        const m = ADDRESS_RE.exec(value);
        const g = m?.groups;
        if (g && ANY_HOST.has(g.host ?? '')) {
          rewritten[k] = `${g.scheme ?? ''}127.0.0.1:${portOf(name, Number(g.port), r)}${g.rest ?? ''}`;
        } else if (g && hostToService.has(g.host ?? '')) {
          const target = hostToService.get(g.host ?? '') as string;
          const targetRole = roles.get(target);
          if (targetRole !== 'redis' && targetRole !== 'nats') await reserve(target, 0, Number(g.port));
          rewritten[k] = `${g.scheme ?? ''}127.0.0.1:${portOf(target, Number(g.port), 0)}${g.rest ?? ''}`;
        } else {
          rewritten[k] = mapPath(value, mounts);
        }
      }
      const [exe, ...rest] = command.map((a) => mapPath(a, mounts));
      let args = rest;
      if (exe === 'node' && !opts.useDist) {
        args = [
          '--conditions=development',
          '--import',
          'tsx',
          ...rest.map((a) => a.replace(/(services\/[a-z-]+)\/dist\/([^/]+)\.js$/, '$1/src/$2.ts')),
        ];
      }
      const portsOfReplica: Record<number, number> = {};
      for (const p of containerPorts) portsOfReplica[p] = portOf(name, p, r);
      replicas.push({
        service: name,
        replica: r,
        program,
        cwd: REPO_ROOT,
        command: exe === 'node' ? process.execPath : (exe as string),
        args,
        env: rewritten,
        ports: portsOfReplica,
      });
    }
  }
  return { replicas, skipped, mounts: allMounts, portOf };
}

/** Services ordered so that each comes after what it `depends_on`. */
function startOrder(compose: ComposeFile): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const d of dependencies(compose.services[name] ?? {})) if (compose.services[d]) visit(d);
    out.push(name);
  };
  for (const name of Object.keys(compose.services)) visit(name);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The compose setup: drawbridge init + deploy/compose/init.sh

/**
 * Prepares a config directory exactly as `docker compose --profile init run --rm init` does:
 * `initDevSetup` (what `drawbridge init --https-port 443` runs), then the container adjustments of
 * deploy/compose/init.sh, run for real.
 */
export function prepareComposeConfig(dir: string, opts: { email?: string } = {}): DevSetup {
  const setup = initDevSetup({ dir, email: opts.email, httpsPort: 443, force: true });
  const res = spawnSync('sh', [join(REPO_ROOT, 'deploy/compose/init.sh'), dir], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`deploy/compose/init.sh failed (${res.status}): ${res.stderr}`);
  return setup;
}

/** The program entry points the compose file runs that do not exist yet in this checkout. */
export function missingEntryPoints(compose = readComposeFile(), useDist = false): string[] {
  const missing = new Set<string>();
  for (const svc of Object.values(compose.services)) {
    const program = programOf(commandList(svc));
    if (!program) continue;
    const file = useDist ? `services/${program}/dist/main.js` : `services/${program}/src/main.ts`;
    if (!existsSync(join(REPO_ROOT, file))) missing.add(file);
  }
  return [...missing].sort();
}

// ---------------------------------------------------------------------------------------------
// Running

export interface RunningReplica extends ReplicaPlan {
  child: ChildProcess;
  /** The last 64 KiB of its stdout+stderr. */
  output(): string;
  /** Local port of its health listener (HEALTH_ADDRESS). */
  healthPort?: number;
}

export interface ComposeStack {
  configDir: string;
  setup: DevSetup;
  plan: StackPlan;
  replicas: RunningReplica[];
  /** Public HTTPS port of each proxy-edge replica (its ADDRESS), in replica order. */
  httpsPorts: number[];
  /** Public SSH port of each ssh-edge replica (its SSH_ADDRESS). */
  sshPorts: number[];
  /** The dev IdP's issuer URL as rewritten for this stack. */
  idpUrl?: string;
  redisUrl: string;
  natsUrl: string;
  /** The stack's own redis-server and nats-server (restart/kill them to test outages). */
  redis: RedisHandle;
  nats: NatsHandle;
  replica(service: string, index?: number): RunningReplica;
  /** Stops one replica (SIGKILL by default: a crash; SIGTERM: a drain). */
  kill(service: string, replica?: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a replica again on the same ports (stopping it first if it still runs); waits for /readyz. */
  restart(service: string, replica?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface ComposeStackOptions {
  scale?: Record<string, number>;
  email?: string;
  useDist?: boolean;
  /** Written over the config's `ssh_drain_grace_period` so stop() is quick (default 2s). */
  drainGrace?: string;
  /** Wait for every replica's /readyz (default true). */
  waitReady?: boolean;
  readyTimeoutMs?: number;
  /** Print every replica's output to stderr as it comes. */
  verbose?: boolean;
  /** Start only these compose services (default: every Drawbridge service). */
  only?: string[];
  /** Redis keeps its data across `stack.redis.restart()` (append-only file), as compose's redis does. */
  persistentRedis?: boolean;
}

/** GET http://127.0.0.1:port/path → status (0 when nothing answers). */
export function probe(port: number, path: string): Promise<number> {
  return new Promise((resolveStatus) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 2000 }, (res) => {
      res.resume();
      resolveStatus(res.statusCode ?? 0);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolveStatus(0));
    req.end();
  });
}

function portFromEnv(r: ReplicaPlan, name: string): number | undefined {
  const v = r.env[name];
  const m = v ? /:(\d+)(\/|$)/.exec(v) : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * Starts docker-compose.yml's services as local processes with their own redis-server and
 * nats-server; always `stop()` it.
 * @example const stack = await startComposeStack({ scale: { 'ssh-edge': 2, 'proxy-edge': 2 } });
 */
export async function startComposeStack(opts: ComposeStackOptions = {}): Promise<ComposeStack> {
  const compose = readComposeFile();
  const selected: ComposeFile = opts.only
    ? {
        ...compose,
        services: Object.fromEntries(
          Object.entries(compose.services).filter(([n]) => opts.only?.includes(n)),
        ),
      }
    : compose;
  const missing = missingEntryPoints(selected, opts.useDist);
  if (missing.length > 0)
    throw new Error(`compose services are not runnable yet: missing ${missing.join(', ')}`);

  const tmp = tempDir('drawbridge-compose-');
  const configDir = join(tmp.path, 'config');
  const cleanups: (() => Promise<void> | void)[] = [() => tmp.cleanup()];
  const running: RunningReplica[] = [];
  const stopAll = async () => {
    await Promise.all(
      running.map(async (r) => {
        if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGTERM');
        const t = setTimeout(() => r.child.kill('SIGKILL'), 10_000);
        await childExited(r.child);
        clearTimeout(t);
      }),
    );
    for (const c of cleanups.reverse()) await c();
  };
  try {
    const setup = prepareComposeConfig(configDir, { email: opts.email });
    const redis = await startRedis({ persistent: opts.persistentRedis });
    cleanups.push(() => redis.stop());
    const nats = await startNats();
    cleanups.push(() => nats.stop());
    const plan = await planComposeStack({
      compose,
      scale: opts.scale,
      useDist: opts.useDist,
      mountSources: { [COMPOSE_CONFIG_SOURCE]: configDir },
      infra: { redis: redis.port, nats: nats.port },
    });
    const idpUrl = adjustConfigForLoopback(configDir, plan, opts.drainGrace ?? '2s');

    const spawnReplica = (r: ReplicaPlan): { child: ChildProcess; output: () => string } => {
      const child = spawn(r.command, r.args, {
        cwd: r.cwd,
        env: { ...process.env, ...r.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      const collect = (b: Buffer) => {
        out = (out + b.toString()).slice(-65_536);
        if (opts.verbose) process.stderr.write(`[${r.service}#${r.replica}] ${b}`);
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      const killOnExit = () => child.kill('SIGKILL');
      process.once('exit', killOnExit);
      child.once('exit', () => process.removeListener('exit', killOnExit));
      return { child, output: () => out };
    };
    for (const r of plan.replicas) {
      if (opts.only && !opts.only.includes(r.service)) continue;
      running.push({ ...r, ...spawnReplica(r), healthPort: portFromEnv(r, 'HEALTH_ADDRESS') });
    }
    const waitReplicaReady = (r: RunningReplica) =>
      waitUntil(
        async () => {
          if (r.child.exitCode !== null) {
            throw new Error(`${r.service}#${r.replica} exited with ${r.child.exitCode}:\n${r.output()}`);
          }
          return (await probe(r.healthPort as number, '/readyz')) === 200;
        },
        opts.readyTimeoutMs ?? 60_000,
        `${r.service}#${r.replica} /readyz`,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n--- ${r.service}#${r.replica} output ---\n${r.output()}`);
      });

    if (opts.waitReady !== false) {
      for (const r of running) if (r.healthPort !== undefined) await waitReplicaReady(r);
    }

    const replica = (service: string, index = 0) => {
      const r = running.find((x) => x.service === service && x.replica === index);
      if (!r) throw new Error(`no replica ${service}#${index}`);
      return r;
    };
    const publicPorts = (program: string, envName: string) =>
      running.filter((r) => r.program === program).map((r) => portFromEnv(r, envName) as number);
    return {
      configDir,
      setup,
      plan,
      replicas: running,
      httpsPorts: publicPorts('proxy-edge', 'ADDRESS'),
      sshPorts: publicPorts('ssh-edge', 'SSH_ADDRESS'),
      idpUrl,
      redisUrl: redis.url,
      natsUrl: nats.url,
      redis,
      nats,
      replica,
      async kill(service, index = 0, signal = 'SIGKILL') {
        const r = replica(service, index);
        r.child.kill(signal);
        await childExited(r.child);
      },
      async restart(service, index = 0) {
        const r = replica(service, index);
        if (r.child.exitCode === null && r.child.signalCode === null) {
          r.child.kill('SIGTERM');
          await childExited(r.child);
        }
        Object.assign(r, spawnReplica(r));
        if (r.healthPort !== undefined) await waitReplicaReady(r);
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * The one config value that is a listen address without an env override (`dev_idp.address`) gets
 * the dev-idp replica's local port; the drain grace is shortened so tests stop quickly.
 */
function adjustConfigForLoopback(configDir: string, plan: StackPlan, drainGrace: string): string | undefined {
  const file = join(configDir, 'config.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const idp = plan.replicas.find((r) => r.program === 'dev-idp');
  const address = doc.getIn(['dev_idp', 'address']);
  if (idp && typeof address === 'string') {
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    doc.setIn(['dev_idp', 'address'], `127.0.0.1:${plan.portOf(idp.service, port, 0)}`);
  }
  doc.set('ssh_drain_grace_period', drainGrace);
  writeFileSync(file, doc.toString(), { mode: 0o600 });
  return idp?.env.IDP_PROVIDER_URL;
}
