import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@drawbridge/log';
import {
  type Decision,
  type EvaluateRequest,
  isDrawbridgeError,
  verifyInternalToken,
} from '@drawbridge/protocol';
import { AuthzError, ERR_AUTHZ_BAD_REQUEST } from '../errors.js';
import { parseEvaluateRequest } from './evaluate-request.js';

/** Largest request body the evaluate API reads (an evaluate-many of a few hundred requests). */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Audience internal tokens for this API carry. */
export const AUTHZ_TOKEN_AUDIENCE = 'authz';

export interface AuthzHttpOptions {
  host: string;
  port: number;
  sharedSecret: () => string;
  evaluate: (req: EvaluateRequest) => Decision;
  logger: Logger;
  now: () => number;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new AuthzError(ERR_AUTHZ_BAD_REQUEST, `body larger than ${MAX_BODY_BYTES} bytes`, {
        details: { status: 413 },
      });
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new AuthzError(ERR_AUTHZ_BAD_REQUEST, 'body is not JSON', { cause: err });
  }
}

/**
 * The evaluate API for consumers outside the bus: `POST /evaluate` (EvaluateRequest → Decision),
 * `POST /evaluate-many` (list → list), both with `Authorization: Bearer <internal token for "authz">`;
 * `GET /healthz` needs no token.
 */
export async function startAuthzHttp(
  opts: AuthzHttpOptions,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      opts.logger.error({ err }, 'authz http handler failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://authz');
    if (url.pathname === '/healthz') {
      send(res, 200, { ok: true });
      return;
    }
    if (url.pathname !== '/evaluate' && url.pathname !== '/evaluate-many') {
      send(res, 404, { error: 'not found' });
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      send(res, 405, { error: 'use POST' });
      return;
    }
    const header = req.headers.authorization ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    try {
      await verifyInternalToken(opts.sharedSecret(), 'internal-api', token, AUTHZ_TOKEN_AUDIENCE, opts.now());
    } catch (err) {
      const code = isDrawbridgeError(err) ? err.code : 'DRAWBRIDGE_TOKEN_INVALID';
      res.setHeader('www-authenticate', 'Bearer realm="drawbridge-authz"');
      send(res, 401, { error: token ? 'invalid or expired token' : 'missing bearer token', code });
      return;
    }
    try {
      const body = await readJson(req);
      const now = opts.now();
      if (url.pathname === '/evaluate') {
        send(res, 200, opts.evaluate(parseEvaluateRequest(body, now)));
        return;
      }
      if (!Array.isArray(body))
        throw new AuthzError(ERR_AUTHZ_BAD_REQUEST, 'evaluate-many takes a JSON list of requests');
      send(
        res,
        200,
        body.map((r, i) => opts.evaluate(parseEvaluateRequest(r, now, `request[${i}]`))),
      );
    } catch (err) {
      if (err instanceof AuthzError && err.code === ERR_AUTHZ_BAD_REQUEST) {
        send(res, (err.details.status as number | undefined) ?? 400, { error: err.message, code: err.code });
        return;
      }
      throw err;
    }
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
