import { type Logger as PinoLogger, pino } from 'pino';

export type Logger = PinoLogger;

export interface LoggerOptions {
  /** Service or component name, added to every line as `service`. */
  name: string;
  level?: string;
  /** Force pretty (true) or JSON (false) output; default: pretty when stdout is a TTY. */
  pretty?: boolean;
  /** Where JSON lines go; default stdout. Tests pass a file descriptor or stream. */
  destination?: NodeJS.WritableStream;
}

/** Keys that carry secrets anywhere in a log object; pino replaces their values. */
export const REDACT_PATHS = [
  'shared_secret',
  'cookie_secret',
  'idp_client_secret',
  '*.shared_secret',
  '*.cookie_secret',
  '*.idp_client_secret',
  'password',
  '*.password',
  'token',
  '*.token',
  'refresh_token',
  '*.refresh_token',
  'id_token',
  '*.id_token',
  'access_token',
  '*.access_token',
  'cookie',
  '*.cookie',
  'authorization',
  '*.authorization',
  'req.headers.cookie',
  'req.headers.authorization',
  'headers.cookie',
  'headers.authorization',
  'privateKey',
  '*.privateKey',
];

/**
 * A pino logger: JSON in production, pretty on a TTY, secrets redacted.
 * Children carry `reqId` / `connId` so every line of one request or connection can be found.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const level = opts.level ?? process.env.DRAWBRIDGE_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info';
  const pretty = opts.pretty ?? (process.stdout.isTTY === true && !opts.destination);
  const base = {
    name: opts.name,
    level,
    base: { service: opts.name },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  if (pretty) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } },
    });
  }
  return opts.destination ? pino(base, opts.destination) : pino(base);
}

/**
 * The per-request access log: the same JSON lines, but without redaction (its fields never hold
 * secrets) and written asynchronously, because on the hot path redaction and synchronous stdout
 * writes cost more than proxying the request (CPU profile of the benchmark).
 */
export function createAccessLogger(opts: { name: string; level?: string; pretty?: boolean }): Logger {
  const level = opts.level ?? process.env.DRAWBRIDGE_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info';
  const pretty = opts.pretty ?? process.stdout.isTTY === true;
  if (pretty) return createLogger({ name: opts.name, level, pretty });
  const destination = pino.destination({ dest: 1, sync: false });
  // Flush what is buffered when the process exits normally (drain on SIGTERM ends in exit).
  process.once('exit', () => destination.flushSync());
  return pino({ name: opts.name, level, base: { service: opts.name } }, destination);
}
