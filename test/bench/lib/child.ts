import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repo root, so children run with the same relative paths whatever the cwd was. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Whether gateway children load the built `dist/` code, which is what `drawbridge start` and
 * `node services/<name>/dist/main.js` run (tsx's transpiled sources add name-keeping wrappers to
 * every function). bench.sh builds first and sets DRAWBRIDGE_BENCH_SOURCES=1 when the build fails;
 * set it yourself to profile sources without building.
 */
export const RUN_BUILT = process.env.DRAWBRIDGE_BENCH_SOURCES !== '1';

/** A Node child running a TypeScript entry (sources via the "development" condition), talking over IPC. */
export interface NodeChild {
  child: ChildProcess;
  pid: number;
  /** stdout+stderr so far, for error messages. */
  output(): string;
  /** Sends a request and resolves with the child's reply (`{ id, ok, value | error }`). */
  call<T = unknown>(op: string, args?: unknown, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

let nextId = 1;

/**
 * Starts `node --conditions=development --import tsx <entry>` (without the condition when `built`)
 * and waits for its `{ ready }` message.
 * Extra node flags (e.g. `--cpu-prof`) go in `nodeArgs`.
 */
export async function startNodeChild(
  entry: string,
  args: string[] = [],
  opts: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv; readyTimeoutMs?: number; built?: boolean } = {},
): Promise<NodeChild & { ready: unknown }> {
  // `built`: @drawbridge/* packages resolve to their dist/ (the entry itself still runs through tsx).
  const conditions = opts.built ? [] : ['--conditions=development'];
  const child = spawn(
    process.execPath,
    [...conditions, '--import', 'tsx', ...(opts.nodeArgs ?? []), entry, ...args],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env, ...opts.env } },
  );
  let out = '';
  const keep = (b: Buffer) => {
    out += b.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  child.on('message', (m: { id?: number; ok?: boolean; value?: unknown; error?: string }) => {
    if (typeof m?.id !== 'number') return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) p?.resolve(m.value);
    else p?.reject(new Error(m.error ?? 'child call failed'));
  });
  child.once('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`${entry} exited (${code}):\n${out.slice(-4000)}`));
    pending.clear();
  });

  const ready = await new Promise<unknown>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`${entry} not ready after ${opts.readyTimeoutMs ?? 60_000} ms:\n${out.slice(-4000)}`),
        ),
      opts.readyTimeoutMs ?? 60_000,
    );
    child.on('message', (m: { ready?: unknown }) => {
      if (m && 'ready' in m) {
        clearTimeout(timer);
        resolve(m.ready);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited (${code}) before ready:\n${out.slice(-4000)}`));
    });
  });

  return {
    child,
    pid: child.pid!,
    ready,
    output: () => out,
    call<T>(op: string, a?: unknown, timeoutMs = 60_000): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${op} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        child.send({ id, op, args: a });
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', killOnExit);
    },
  };
}

/** Child side: announces readiness and answers `call()`s with the given handlers. */
export function serveParent(ready: unknown, handlers: Record<string, (args: unknown) => unknown>): void {
  process.on('message', async (m: { id: number; op: string; args?: unknown }) => {
    const h = handlers[m.op];
    try {
      if (!h) throw new Error(`unknown op ${m.op}`);
      process.send?.({ id: m.id, ok: true, value: await h(m.args) });
    } catch (err) {
      process.send?.({
        id: m.id,
        ok: false,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
    }
  });
  // The parent going away (even by SIGKILL) must not leave servers behind.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready });
}
