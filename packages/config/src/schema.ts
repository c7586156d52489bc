import { z } from 'zod';
import { parseDuration } from './duration.js';

const SECRET_HINT = 'generate one with: head -c32 /dev/urandom | base64';

/** 32 random bytes, base64 — what Pomerium requires for shared_secret and cookie_secret. */
const secret = z.string().refine(
  (s) => {
    const trimmed = s.trim();
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return false;
    return Buffer.from(trimmed, 'base64').length === 32;
  },
  { message: `must be 32 random bytes encoded as base64 (${SECRET_HINT})` },
);

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (use e.g. 30s, 15m, 12h)` });
    return z.NEVER;
  }
  return ms;
});

const url = (schemes: string[]) =>
  z.string().refine(
    (s) => {
      try {
        return schemes.includes(new URL(s).protocol.replace(':', ''));
      } catch {
        return false;
      }
    },
    { message: `must be an absolute URL with scheme ${schemes.join(' or ')}` },
  );

/** `host:port`, `:port` or `[::1]:port`. */
const address = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]*):\d{1,5}$/, {
  message: 'must be host:port or :port (e.g. :8443, 127.0.0.1:2222)',
});

const stringList = z.union([z.array(z.string()), z.string()]).transform((v) =>
  typeof v === 'string'
    ? v
        .split(/[,\s]+/)
        .map((s) => s.trim())
        .filter(Boolean)
    : v,
);

export const routeSchema = z
  .object({
    from: url(['https', 'http', 'tcp', 'ssh']).refine(
      (s) => {
        // Pomerium's wildcard is a whole leading label (`*.example.com`); a `*` anywhere else is a typo.
        const host = s.replace(/^[a-z]+:\/\//, '').split(/[/:]/)[0] ?? '';
        return !host.slice(host.startsWith('*.') ? 2 : 0).includes('*');
      },
      { message: 'a wildcard must be a whole leading label, as in https://*.example.com' },
    ),
    to: z.union([url(['http', 'https']), z.array(url(['http', 'https'])).min(1)]).optional(),
    name: z.string().optional(),
    id: z.string().optional(),
    description: z.string().optional(),
    prefix: z.string().startsWith('/').optional(),
    path: z.string().startsWith('/').optional(),
    regex: z.string().optional(),
    policy: z.unknown().optional(),
    allow_public_unauthenticated_access: z.boolean().optional(),
    allow_any_authenticated_user: z.boolean().optional(),
    allow_websockets: z.boolean().optional(),
    preserve_host_header: z.boolean().optional(),
    pass_identity_headers: z.boolean().optional(),
    timeout: duration.optional(),
    idle_timeout: duration.optional(),
    upstream_tunnel: z
      .object({ ssh_policy: z.unknown().optional() })

      .optional(),
  })

  .superRefine((r, ctx) => {
    if (!r.to && !r.upstream_tunnel) {
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: 'a route needs `to` (an upstream URL) or `upstream_tunnel`',
      });
    }
    if (r.regex !== undefined) {
      try {
        new RegExp(r.regex);
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          path: ['regex'],
          message: `invalid regular expression: ${(err as Error).message}`,
        });
      }
    }
  });

const devIdpUser = z.object({
  email: z.string().email(),
  name: z.string().optional(),
  groups: z.array(z.string()).default([]),
  /** scrypt hash as written by `drawbridge init`: `scrypt$<salt b64>$<hash b64>`. */
  password_hash: z.string().regex(/^scrypt\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/, {
    message: 'must be a scrypt hash as written by `drawbridge init` or `drawbridge dev-idp hash-password`',
  }),
});

const tokenIssuer = z.object({
  issuer: url(['https', 'http']),
  audience: z.string(),
  /** Claim that becomes the identity's email (default `email`). */
  email_claim: z.string().default('email'),
  jwks_url: url(['https', 'http']).optional(),
});

export const configSchema = z
  .object({
    shared_secret: secret,
    cookie_secret: secret,
    address: address.default(':8443'),
    http_redirect_address: address.optional(),
    authenticate_service_url: url(['https', 'http']),
    idp_provider: z.string().default('oidc'),
    idp_provider_url: url(['https', 'http']).optional(),
    idp_client_id: z.string().optional(),
    idp_client_secret: z.string().optional(),
    idp_scopes: stringList.default(['openid', 'email', 'profile', 'offline_access']),
    ssh_address: address.default(':2222'),
    ssh_user_ca_key_file: z.string().optional(),
    ssh_host_key_files: z.array(z.string()).default([]),
    runtime_flags: z
      .object({
        ssh_upstream_tunnel: z.boolean().default(false),
        ssh_allow_direct_tcpip: z.boolean().default(false),
      })

      .default({ ssh_upstream_tunnel: false, ssh_allow_direct_tcpip: false }),
    databroker_storage_type: z
      .enum(['memory', 'inmemory', 'file', 'redis'], {
        message: 'must be memory, file or redis',
      })
      .default('memory')
      .transform((v) => (v === 'inmemory' ? 'memory' : v)),
    databroker_storage_connection_string: z.string().optional(),
    certificate_file: z.string().optional(),
    certificate_key_file: z.string().optional(),
    cookie_name: z.string().default('_pomerium'),
    cookie_expire: duration.default(14 * 3_600_000),
    log_level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
    metrics_address: address.optional(),
    routes: z.array(routeSchema).default([]),

    // Drawbridge additions (Pomerium-style snake_case).
    nats_url: z.string().optional(),
    health_address: address.optional(),
    authenticate_internal_address: address.default('127.0.0.1:0'),
    authenticate_internal_url: url(['http', 'https']).optional(),
    authorize_internal_address: address.default('127.0.0.1:0'),
    authorize_internal_url: url(['http', 'https']).optional(),
    ssh_data_plane_address: address.default('127.0.0.1:0'),
    ssh_data_plane_advertise_address: address.optional(),
    ssh_signin_expiry: duration.default(15 * 60_000),
    ssh_certificate_ttl: duration.default(12 * 3_600_000),
    ssh_keepalive_interval: duration.default(15_000),
    ssh_drain_grace_period: duration.default(30_000),
    ssh_unauthenticated_timeout: duration.default(30_000),
    ssh_max_auth_attempts: z.number().int().positive().default(6),
    ssh_max_unauthenticated_connections: z.number().int().positive().default(2000),
    ssh_max_tunnels_per_connection: z.number().int().positive().default(16),
    ssh_max_tunnels_per_identity: z.number().int().positive().default(64),
    ssh_max_channels_per_tunnel: z.number().int().positive().default(1024),
    max_request_body_bytes: z.number().int().nonnegative().default(0),
    ssh_token_exchange_issuers: z.array(tokenIssuer).default([]),
    dev_idp: z
      .object({
        address: address.default('127.0.0.1:5556'),
        client_redirect_uris: z.array(z.string()).optional(),
        users: z.array(devIdpUser).min(1, { message: 'the dev IdP needs at least one user' }),
      })
      .optional(),
  })

  .superRefine((c, ctx) => {
    if (c.databroker_storage_type !== 'memory' && !c.databroker_storage_connection_string) {
      ctx.addIssue({
        code: 'custom',
        path: ['databroker_storage_connection_string'],
        message: `databroker_storage_type ${c.databroker_storage_type} needs a connection string (file:///path or redis://host:6379)`,
      });
    }
    const conn = c.databroker_storage_connection_string;
    if (conn && c.databroker_storage_type === 'file' && !conn.startsWith('file://')) {
      ctx.addIssue({
        code: 'custom',
        path: ['databroker_storage_connection_string'],
        message: 'must be file:///path for storage type file',
      });
    }
    if (conn && c.databroker_storage_type === 'redis' && !/^(redis|rediss|redis\+sentinel):\/\//.test(conn)) {
      ctx.addIssue({
        code: 'custom',
        path: ['databroker_storage_connection_string'],
        message: 'must be redis://, rediss:// or redis+sentinel:// for storage type redis',
      });
    }
    if (c.idp_provider_url && (!c.idp_client_id || !c.idp_client_secret)) {
      ctx.addIssue({
        code: 'custom',
        path: ['idp_client_id'],
        message: 'idp_client_id and idp_client_secret are required with idp_provider_url',
      });
    }
    if (!c.idp_provider_url && !c.dev_idp) {
      ctx.addIssue({
        code: 'custom',
        path: ['idp_provider_url'],
        message: 'set idp_provider_url (your OIDC issuer) or a dev_idp block',
      });
    }
    if (c.nats_url && !/^(nats|tls|ws|wss):\/\//.test(c.nats_url)) {
      ctx.addIssue({ code: 'custom', path: ['nats_url'], message: 'must be nats://host:4222 (or tls://)' });
    }
  });

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
export type ParsedRoute = z.output<typeof routeSchema>;

/** Top-level keys the schema knows; anything else is warned about, not refused. */
export const KNOWN_KEYS = new Set(Object.keys(configSchema.shape));
export const KNOWN_ROUTE_KEYS = new Set(Object.keys(routeSchema.shape));
