import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';

/** A nats-server this test started on a free loopback port. */
export interface NatsHandle {
  /** `nats://127.0.0.1:<port>` */
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Stops the server and starts it again on the same port. */
  restart(): Promise<void>;
  /** Stops the server but keeps the handle so `restart()` can bring it back. */
  kill(): Promise<void>;
}

export interface NatsOptions {
  /** Binary; defaults to $NATS_SERVER_BIN, then `nats-server` on PATH. */
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

/** A NATS server greets every client with an INFO line: that is our readiness probe. */
async function waitForNats(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.setTimeout(500);
      sock.once('data', (d) => {
        sock.destroy();
        resolve(d.toString().startsWith('INFO'));
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
  throw new Error(`nats-server on 127.0.0.1:${port} did not answer within ${timeoutMs} ms`);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts a private nats-server on a free loopback port (never 4222); always `stop()` it.
 * @example const nats = await startNats(); try { … nats.url … } finally { await nats.stop(); }
 */
export async function startNats(opts: NatsOptions = {}): Promise<NatsHandle> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const launch = async () => {
    const proc = spawn(
      opts.bin ?? process.env.NATS_SERVER_BIN ?? 'nats-server',
      ['-a', '127.0.0.1', '-p', String(port)],
      { stdio: 'ignore' },
    );
    child = proc;
    const failed = new Promise<never>((_, reject) =>
      proc.once('exit', (code) => reject(new Error(`nats-server exited early with ${code}`))),
    );
    failed.catch(() => {});
    await Promise.race([waitForNats(port, 10_000), failed]);
  };
  const kill = async () => {
    const proc = child;
    if (!proc) return;
    child = undefined;
    proc.kill('SIGTERM');
    await exited(proc);
  };

  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    kill,
    async restart() {
      await kill();
      await launch();
    },
    async stop() {
      await kill();
      process.removeListener('exit', killOnExit);
    },
  };
}
