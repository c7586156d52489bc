import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { validatePolicy } from '@drawbridge/policy';
import { type Document, isMap, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { applyEnvOverrides } from './env.js';
import { ConfigError, type ConfigIssue, ERR_CONFIG_INVALID, ERR_CONFIG_UNREADABLE } from './errors.js';
import { configSchema, KNOWN_KEYS, KNOWN_ROUTE_KEYS, type ParsedConfig } from './schema.js';
import type { Config, LoadedConfig, Route } from './types.js';

export const DEFAULT_CONFIG_FILE_NAME = 'config.yaml';

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  generation?: number;
}

/** A directory means `<dir>/config.yaml`, as a directory mount in compose or Kubernetes gives. */
export function resolveConfigFile(fileOrDir: string): string {
  const abs = resolve(fileOrDir);
  try {
    if (statSync(abs).isDirectory()) return join(abs, DEFAULT_CONFIG_FILE_NAME);
  } catch {
    // Missing paths are reported by the reader with a clearer message.
  }
  return abs;
}

/** Reads and validates a config file; throws ConfigError naming file, key path and line. */
export function loadConfigFile(fileOrDir: string, opts: LoadOptions = {}): LoadedConfig {
  const file = resolveConfigFile(fileOrDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      ERR_CONFIG_UNREADABLE,
      [
        {
          file,
          path: '',
          message: `cannot read config: ${(err as Error).message}`,
          hint: 'run `drawbridge init` to create one',
        },
      ],
      { cause: err },
    );
  }
  return parseConfigText(text, file, opts);
}

/** Validates config text; `file` is used for messages and to resolve relative paths. */
export function parseConfigText(text: string, file: string, opts: LoadOptions = {}): LoadedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const lineOf = (path: (string | number)[]) => locate(doc, lineCounter, path);
  if (doc.errors.length > 0) {
    throw new ConfigError(
      ERR_CONFIG_INVALID,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return {
          file,
          path: '',
          line: pos?.line,
          column: pos?.col,
          message: `YAML syntax error: ${e.message.split('\n')[0]}`,
          hint: 'check indentation and quoting on that line',
        };
      }),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (err) {
    // The yaml library throws plain errors here (an alias with no anchor, an alias bomb).
    throw new ConfigError(
      ERR_CONFIG_INVALID,
      [
        {
          file,
          path: '',
          message: `YAML error: ${(err as Error).message.split('\n')[0]}`,
          hint: 'define each &anchor before its *alias, and do not nest aliases deeply',
        },
      ],
      { cause: err },
    );
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(ERR_CONFIG_INVALID, [
      { file, path: '', line: 1, message: 'the config must be a YAML mapping of keys to values' },
    ]);
  }
  const rawObj = raw as Record<string, unknown>;
  applyEnvOverrides(rawObj, opts.env ?? process.env);

  const parsed = configSchema.safeParse(rawObj);
  const issues: ConfigIssue[] = [];
  if (!parsed.success) issues.push(...zodIssues(parsed.error, file, lineOf));

  const warnings: string[] = [];
  for (const key of Object.keys(rawObj)) {
    if (!KNOWN_KEYS.has(key)) warnings.push(`${file}:${lineOf([key]) ?? 1}: unknown key "${key}" is ignored`);
  }
  const routes = Array.isArray(rawObj.routes) ? (rawObj.routes as unknown[]) : [];
  routes.forEach((r, i) => {
    if (!r || typeof r !== 'object') return;
    for (const key of Object.keys(r)) {
      if (!KNOWN_ROUTE_KEYS.has(key)) {
        warnings.push(
          `${file}:${lineOf(['routes', i, key]) ?? 1}: unknown route key "routes[${i}].${key}" is ignored`,
        );
      }
    }
    const route = r as Record<string, unknown>;
    const check = (value: unknown, base: (string | number)[]) => {
      if (value === undefined) return;
      for (const p of validatePolicy(value)) {
        const full = [...base, ...p.path];
        issues.push({
          file,
          path: formatPath(full),
          line: lineOf(full) ?? lineOf(base),
          message: `route ${String(route.from ?? i)}: ${p.message}`,
          hint: p.hint,
        });
      }
    };
    check(route.policy, ['routes', i, 'policy']);
    const tunnel = route.upstream_tunnel as Record<string, unknown> | undefined;
    if (tunnel && typeof tunnel === 'object')
      check(tunnel.ssh_policy, ['routes', i, 'upstream_tunnel', 'ssh_policy']);
  });

  if (issues.length > 0 || !parsed.success) throw new ConfigError(ERR_CONFIG_INVALID, issues);
  const config = finish(parsed.data, dirname(file));
  return {
    config,
    file,
    generation: opts.generation ?? 1,
    hash: createHash('sha256').update(text).digest('hex'),
    warnings,
    lineOf,
  };
}

function zodIssues(
  error: z.ZodError,
  file: string,
  lineOf: (p: (string | number)[]) => number | undefined,
): ConfigIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    let line: number | undefined;
    for (let n = path.length; n >= 0 && line === undefined; n--) line = lineOf(path.slice(0, n));
    const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
    return {
      file,
      path: formatPath(path),
      line,
      message: missing ? 'is required' : issue.message,
      hint: hintFor(path, missing),
    };
  });
}

function hintFor(path: (string | number)[], missing: boolean): string | undefined {
  const key = path[path.length - 1];
  if (key === 'from') return 'every route needs `from: https://host.example.com`';
  if (missing && (key === 'shared_secret' || key === 'cookie_secret'))
    return 'generate one with: head -c32 /dev/urandom | base64';
  if (missing) return `add \`${String(key)}\` to the config`;
  return undefined;
}

/** `routes[0].policy` style path. */
export function formatPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function locate(doc: Document, lc: LineCounter, path: (string | number)[]): number | undefined {
  if (path.length === 0) return 1;
  // Prefer the key's own line for mapping entries, so errors point at `key:` rather than its value.
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  const last = path[path.length - 1];
  if (isMap(parent)) {
    const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === last);
    const range = (pair?.key as { range?: [number, number, number] } | null)?.range;
    if (range) return lc.linePos(range[0]).line;
  }
  const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
  if (node?.range) return lc.linePos(node.range[0]).line;
  return undefined;
}

function finish(c: ParsedConfig, baseDir: string): Config {
  const abs = (p: string | undefined) => (p === undefined || isAbsolute(p) ? p : join(baseDir, p));
  const routes: Route[] = c.routes.map((r, index) => {
    const from = new URL(r.from);
    const scheme = from.protocol.replace(':', '');
    const toUrls = r.to === undefined ? [] : Array.isArray(r.to) ? r.to : [r.to];
    return {
      ...r,
      key: r.id ?? r.name ?? r.from,
      index,
      fromHost: from.hostname.toLowerCase(),
      fromPort: from.port ? Number(from.port) : scheme === 'http' ? 80 : 443,
      fromScheme: scheme,
      toUrls,
      isTunnel: r.upstream_tunnel !== undefined,
    };
  });
  const connection = c.databroker_storage_connection_string;
  return {
    ...c,
    shared_secret: c.shared_secret.trim(),
    cookie_secret: c.cookie_secret.trim(),
    ssh_user_ca_key_file: abs(c.ssh_user_ca_key_file),
    ssh_host_key_files: c.ssh_host_key_files.map((f) => abs(f) as string),
    certificate_file: abs(c.certificate_file),
    certificate_key_file: abs(c.certificate_key_file),
    databroker_storage_connection_string:
      connection?.startsWith('file://') && !connection.startsWith('file:///')
        ? `file://${abs(connection.slice('file://'.length))}`
        : connection,
    routes,
    authenticateHost: new URL(c.authenticate_service_url).hostname.toLowerCase(),
  };
}
