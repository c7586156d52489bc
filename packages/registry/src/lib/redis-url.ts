import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { ERR_REGISTRY_CONFIG, RegistryError } from '../errors.js';

/** What a connection string says, independent of the Redis client library. */
export interface RedisTarget {
  /** `host:port[,host:port]` without credentials, safe to log. */
  display: string;
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: { servername?: string; ca?: Buffer };
  sentinel?: { name: string; sentinels: Array<{ host: string; port: number }>; sentinelPassword?: string };
}

const SENTINEL_RE = /^redis\+sentinel:\/\/(?:([^@/]*)@)?([^/?]+)(?:\/([^/?]*))?(?:\/(\d+))?(?:\?(.*))?$/;

function credentials(userinfo: string | undefined): { username?: string; password?: string } {
  if (!userinfo) return {};
  const i = userinfo.indexOf(':');
  if (i < 0) return { password: decodeURIComponent(userinfo) };
  const username = decodeURIComponent(userinfo.slice(0, i));
  return { username: username || undefined, password: decodeURIComponent(userinfo.slice(i + 1)) };
}

function hostPort(text: string, defaultPort: number): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(text);
  if (!m?.[1])
    throw new RegistryError(
      ERR_REGISTRY_CONFIG,
      `"${text}" is not host:port in databroker_storage_connection_string`,
    );
  return { host: m[1], port: m[2] ? Number(m[2]) : defaultPort };
}

function dbNumber(text: string | undefined): number | undefined {
  if (!text) return undefined;
  if (!/^\d+$/.test(text))
    throw new RegistryError(ERR_REGISTRY_CONFIG, `Redis database "${text}" must be a number`);
  return Number(text);
}

function readCa(params: URLSearchParams): Buffer | undefined {
  const file = params.get('ca_file');
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (cause) {
    throw new RegistryError(
      ERR_REGISTRY_CONFIG,
      `cannot read ca_file ${file} from databroker_storage_connection_string`,
      { cause },
    );
  }
}

/**
 * Parses `redis://[user:pass@]host:port[/db]`, `rediss://…[?ca_file=/path]` (TLS) and
 * `redis+sentinel://[user:pass@]host1:port1,host2:port2/master[/db][?sentinel_password=…]`.
 */
export function parseRedisConnection(connection: string): RedisTarget {
  const s = SENTINEL_RE.exec(connection);
  if (s) {
    const params = new URLSearchParams(s[5] ?? '');
    const sentinels = (s[2] ?? '').split(',').map((h) => hostPort(h.trim(), 26379));
    return {
      display: `sentinel ${sentinels.map((x) => `${x.host}:${x.port}`).join(',')} master ${s[3] || 'mymaster'}`,
      ...credentials(s[1]),
      db: dbNumber(s[4]),
      sentinel: {
        name: s[3] || 'mymaster',
        sentinels,
        sentinelPassword: params.get('sentinel_password') ?? undefined,
      },
    };
  }
  let url: URL;
  try {
    url = new URL(connection);
  } catch (cause) {
    throw new RegistryError(
      ERR_REGISTRY_CONFIG,
      'databroker_storage_connection_string is not a URL; use redis://host:6379',
      { cause },
    );
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new RegistryError(
      ERR_REGISTRY_CONFIG,
      `storage type redis needs redis://, rediss:// or redis+sentinel://, got ${url.protocol}//`,
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = url.port ? Number(url.port) : 6379;
  const auth = url.username || url.password ? `${url.username}:${url.password}` : undefined;
  return {
    display: `${host}:${port}`,
    host,
    port,
    ...credentials(auth),
    db: dbNumber(url.pathname.slice(1)),
    // SNI carries names only (RFC 6066); the certificate is still checked against an IP address.
    tls:
      url.protocol === 'rediss:'
        ? { servername: isIP(host) ? undefined : host, ca: readCa(url.searchParams) }
        : undefined,
  };
}
