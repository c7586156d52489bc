import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@drawbridge/log';
import { ERR_REGISTRY_CONFIG, ERR_REGISTRY_UNAVAILABLE, RegistryError } from './errors.js';
import { type MemoryEntry, MemoryStore } from './memory.js';

/** The file inside the storage directory that holds every record. */
export const FILE_STORE_NAME = 'drawbridge-registry.json';
/** Writes are batched this long before the file is rewritten. */
export const DEFAULT_FLUSH_DELAY_MS = 50;

export interface FileStoreOptions {
  /** Directory that holds the registry file (created if missing). */
  dir: string;
  now?: () => number;
  flushDelayMs?: number;
  logger?: Logger;
}

interface FileFormat {
  v: 1;
  savedAt: number;
  entries: Array<[key: string, value: string, expiresAt: number | null]>;
}

/** `file:///var/lib/drawbridge` → `/var/lib/drawbridge`. */
export function fileStoreDir(connection: string): string {
  let url: URL;
  try {
    url = new URL(connection);
  } catch (cause) {
    throw new RegistryError(
      ERR_REGISTRY_CONFIG,
      `databroker_storage_connection_string "${connection}" is not a URL; use file:///path/to/dir`,
      { cause },
    );
  }
  if (url.protocol !== 'file:') {
    throw new RegistryError(
      ERR_REGISTRY_CONFIG,
      `storage type file needs file:///path/to/dir, got ${url.protocol}//`,
    );
  }
  return fileURLToPath(url);
}

/**
 * Single-node store that survives restarts: the memory store, written behind to one JSON file by
 * write-to-temp + fsync + rename, so a crash leaves either the old or the new file, never half of one.
 * TTLs are stored as wall-clock expiry times and honoured after a restart.
 * @example const store = await FileStore.open({ dir: '/var/lib/drawbridge' });
 */
export class FileStore extends MemoryStore {
  override readonly kind = 'file' as const;
  readonly path: string;
  private readonly flushDelayMs: number;
  private readonly logger?: Logger;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private lastError: unknown;
  private closed = false;

  private constructor(opts: FileStoreOptions) {
    super({ now: opts.now });
    this.path = join(opts.dir, FILE_STORE_NAME);
    this.flushDelayMs = opts.flushDelayMs ?? DEFAULT_FLUSH_DELAY_MS;
    this.logger = opts.logger;
  }

  /** Creates the directory if needed and loads the live entries of a previous run. */
  static async open(opts: FileStoreOptions): Promise<FileStore> {
    const store = new FileStore(opts);
    try {
      await mkdir(opts.dir, { recursive: true });
    } catch (cause) {
      throw new RegistryError(
        ERR_REGISTRY_UNAVAILABLE,
        `cannot create registry directory ${opts.dir}: check permissions`,
        { cause },
      );
    }
    await store.load();
    return store;
  }

  private async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new RegistryError(ERR_REGISTRY_UNAVAILABLE, `cannot read ${this.path}: check permissions`, {
        cause: err,
      });
    }
    let data: FileFormat;
    try {
      data = JSON.parse(text) as FileFormat;
      if (data.v !== 1 || !Array.isArray(data.entries))
        throw new Error(`unknown format version ${String(data.v)}`);
    } catch (cause) {
      // Refuse to start rather than silently forget every session: the operator decides.
      throw new RegistryError(
        ERR_REGISTRY_UNAVAILABLE,
        `${this.path} is not a Drawbridge registry file; move it away to start empty`,
        { cause },
      );
    }
    const now = this.now();
    for (const [key, value, expiresAt] of data.entries) {
      if (expiresAt !== null && expiresAt <= now) continue;
      this.entries.set(key, { value, expiresAt: expiresAt ?? undefined } satisfies MemoryEntry);
    }
  }

  protected override changed(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => {});
    }, this.flushDelayMs);
  }

  /** Writes the current entries now (waits for a write already under way first). */
  flush(): Promise<void> {
    const run = this.writing.then(() => this.write());
    this.writing = run.catch(() => {});
    return run;
  }

  private async write(): Promise<void> {
    const now = this.now();
    const entries: FileFormat['entries'] = [];
    for (const [key, e] of this.entries) {
      if (e.expiresAt !== undefined && e.expiresAt <= now) continue;
      entries.push([key, e.value, e.expiresAt ?? null]);
    }
    const body: FileFormat = { v: 1, savedAt: now, entries };
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      const fh = await open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(JSON.stringify(body));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.path);
      this.lastError = undefined;
    } catch (err) {
      this.lastError = err;
      this.logger?.error({ err, path: this.path }, 'registry file write failed; records are kept in memory');
      throw new RegistryError(
        ERR_REGISTRY_UNAVAILABLE,
        `cannot write ${this.path}: check disk space and permissions`,
        { cause: err },
      );
    }
  }

  /** Rejects while the last write to disk failed: a store that cannot persist is not ready. */
  override async ping(): Promise<void> {
    if (this.lastError !== undefined) {
      throw new RegistryError(
        ERR_REGISTRY_UNAVAILABLE,
        `last write to ${this.path} failed: check disk space and permissions`,
        {
          cause: this.lastError,
        },
      );
    }
  }

  override async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.closed = true;
    await this.flush();
    await super.close();
  }
}
