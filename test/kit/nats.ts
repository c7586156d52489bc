import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from './ports.js';
import { childExited, waitForAnswer } from './probe.js';

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
    await Promise.race([waitForAnswer(port, { name: 'nats-server', accept: /^INFO/ }), failed]);
  };
  const kill = async () => {
    const proc = child;
    if (!proc) return;
    child = undefined;
    proc.kill('SIGTERM');
    await childExited(proc);
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
