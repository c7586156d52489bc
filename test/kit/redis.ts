import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';

/** A redis-server this test started on a free loopback port. */
export interface RedisHandle {
  /** `redis://[:password@]127.0.0.1:<port>` (`rediss://` with `tls`) */
  url: string;
  port: number;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
  /** Stops the server and starts it again on the same port (data survives only with `persistent`). */
  restart(): Promise<void>;
  /** Stops the server but keeps the handle so `restart()` can bring it back. */
  kill(): Promise<void>;
}

export interface RedisOptions {
  /** `requirepass`; the URL carries it. */
  password?: string;
  /** Append-only file in a temp dir, so data survives `restart()`. Default off (no persistence). */
  persistent?: boolean;
  /** Serve TLS only (`rediss://`), with this certificate and key (PEM files). */
  tls?: { certFile: string; keyFile: string };
  /** Binary; defaults to $REDIS_SERVER_BIN, then `redis-server` on PATH. */
  bin?: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves once the server answers a PING (or -NOAUTH, which also proves it is up). */
async function waitForRedis(port: number, timeoutMs: number, tls: boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      // The readiness probe only needs an answer, not a verified peer.
      const sock: Socket = tls
        ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false })
        : connect(port, '127.0.0.1');
      sock.setTimeout(500);
      sock.once(tls ? 'secureConnect' : 'connect', () => sock.write('PING\r\n'));
      sock.once('data', (d) => {
        sock.destroy();
        resolve(/^(\+PONG|-NOAUTH)/.test(d.toString()));
      });
      sock.once('error', () => resolve(false));
      sock.once('timeout', () => {
        sock.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on 127.0.0.1:${port} did not answer within ${timeoutMs} ms`);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts a private redis-server on a free loopback port (never 6379); always `stop()` it.
 * @example const redis = await startRedis(); try { … redis.url … } finally { await redis.stop(); }
 */
export async function startRedis(opts: RedisOptions = {}): Promise<RedisHandle> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'drawbridge-redis-'));
  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const launch = async () => {
    const listen = opts.tls
      ? [
          '--port',
          '0',
          '--tls-port',
          String(port),
          '--tls-cert-file',
          opts.tls.certFile,
          '--tls-key-file',
          opts.tls.keyFile,
          '--tls-auth-clients',
          'no',
        ]
      : ['--port', String(port)];
    const args = [...listen, '--bind', '127.0.0.1', '--save', '', '--dir', dir];
    args.push('--appendonly', opts.persistent ? 'yes' : 'no');
    if (opts.persistent) args.push('--appendfsync', 'always');
    if (opts.password) args.push('--requirepass', opts.password);
    const proc = spawn(opts.bin ?? process.env.REDIS_SERVER_BIN ?? 'redis-server', args, { stdio: 'ignore' });
    child = proc;
    const failed = new Promise<never>((_, reject) =>
      proc.once('exit', (code) => reject(new Error(`redis-server exited early with ${code}`))),
    );
    failed.catch(() => {});
    await Promise.race([waitForRedis(port, 10_000, opts.tls !== undefined), failed]);
  };
  const kill = async () => {
    const proc = child;
    if (!proc) return;
    child = undefined;
    proc.kill('SIGTERM');
    await exited(proc);
  };

  await launch();
  const auth = opts.password ? `:${encodeURIComponent(opts.password)}@` : '';
  return {
    url: `${opts.tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`,
    port,
    kill,
    async restart() {
      await kill();
      await launch();
    },
    async stop() {
      await kill();
      process.removeListener('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
