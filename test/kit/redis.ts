import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { childExited, waitForAnswer } from './probe.js';

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
    await Promise.race([
      waitForAnswer(port, {
        name: 'redis-server',
        send: 'PING\r\n',
        accept: /^(\+PONG|-NOAUTH)/,
        tls: opts.tls !== undefined,
      }),
      failed,
    ]);
  };
  const kill = async () => {
    const proc = child;
    if (!proc) return;
    child = undefined;
    proc.kill('SIGTERM');
    await childExited(proc);
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
