import { createHash } from 'node:crypto';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '@drawbridge/log';
import { ConfigError } from './errors.js';
import { type LoadOptions, loadConfigFile, resolveConfigFile } from './load.js';
import type { LoadedConfig } from './types.js';

export const DEFAULT_RELOAD_DEBOUNCE_MS = 50;
/** Safety net for filesystems that drop events (network mounts, some container runtimes). */
export const DEFAULT_RELOAD_POLL_MS = 2000;

export type ConfigListener = (next: LoadedConfig, previous: LoadedConfig) => void;

/** The live config: the last good version, and a way to hear about the next one. */
export interface ConfigSource {
  current(): LoadedConfig;
  subscribe(listener: ConfigListener): () => void;
  /** Re-reads the file now; resolves to true when a new generation was published. */
  reload(): boolean;
  close(): void;
}

export interface WatchOptions extends LoadOptions {
  logger?: Logger;
  debounceMs?: number;
  pollMs?: number;
}

/**
 * Loads the config and watches its directory: editors and `sed -i` replace the file by rename and
 * Kubernetes swaps a `..data` symlink, so watching the file's inode would miss edits.
 * An invalid edit is logged and the last good config stays in force.
 */
export function watchConfig(fileOrDir: string, opts: WatchOptions = {}): ConfigSource {
  const file = resolveConfigFile(fileOrDir);
  let current = loadConfigFile(file, opts);
  for (const w of current.warnings) opts.logger?.warn(w);
  let lastSeenHash = current.hash;
  const listeners = new Set<ConfigListener>();
  let timer: NodeJS.Timeout | undefined;

  const reload = (): boolean => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return false; // Mid-rename; the next event or poll picks it up.
    }
    const hash = createHash('sha256').update(text).digest('hex');
    if (hash === lastSeenHash) return false;
    lastSeenHash = hash;
    try {
      const next = loadConfigFile(file, { ...opts, generation: current.generation + 1 });
      const previous = current;
      current = next;
      for (const w of next.warnings) opts.logger?.warn(w);
      opts.logger?.info({ generation: next.generation, file }, 'config reloaded');
      for (const l of listeners) {
        try {
          l(next, previous);
        } catch (err) {
          opts.logger?.error({ err }, 'config listener failed');
        }
      }
      return true;
    } catch (err) {
      const message = err instanceof ConfigError ? err.message : String(err);
      opts.logger?.error(
        { code: (err as ConfigError).code, file },
        `invalid config, keeping generation ${current.generation}:\n${message}`,
      );
      return false;
    }
  };

  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(reload, opts.debounceMs ?? DEFAULT_RELOAD_DEBOUNCE_MS);
  };

  const name = basename(file);
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
      if (!changed || changed === name || changed.startsWith('..')) schedule();
    });
    watcher.on('error', (err) =>
      opts.logger?.warn({ err }, 'config watcher failed; falling back to polling'),
    );
  } catch (err) {
    opts.logger?.warn({ err }, 'cannot watch the config directory; polling instead');
  }
  const poll = setInterval(reload, opts.pollMs ?? DEFAULT_RELOAD_POLL_MS);
  poll.unref();

  return {
    current: () => current,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reload,
    close() {
      watcher?.close();
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      listeners.clear();
    },
  };
}

/** A config that never changes: for tests and embedding. */
export function staticConfig(loaded: LoadedConfig): ConfigSource {
  return { current: () => loaded, subscribe: () => () => {}, reload: () => false, close() {} };
}
