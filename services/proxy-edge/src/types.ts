import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { Config, Route } from '@drawbridge/config';
import type { Logger } from '@drawbridge/log';
import type { AuthzApi, TunnelDialer } from '@drawbridge/protocol';
import type { RouteTable } from './routing/route-table.js';

/** What `createProxyEdge` needs besides the service context. */
export interface ProxyEdgeDeps {
  /** Route decisions: authz in-process (all-in-one) or a bus client (distributed). */
  authz: AuthzApi;
  /** Base URL of authn's internal listener, where requests for the authenticate host go. */
  authenticateUrl: () => string;
  /** ssh-edges in this process by edge id: their tunnels are dialled directly, without the data plane. */
  localDialers?: Map<string, TunnelDialer>;
  /** Where the per-request access log goes; default an unredacted, asynchronous stdout logger. */
  accessLog?: Logger;
}

/** Any request proxy-edge receives: HTTP/1.1 or HTTP/2 compatibility API. */
export type AnyRequest = IncomingMessage | Http2ServerRequest;

/** The config as the hot path reads it: rebuilt once per generation. */
export interface ConfigView {
  config: Config;
  generation: number;
  table: RouteTable;
  /** `authenticate_service_url` without a trailing slash. */
  authenticateBase: string;
}

/** Per-request state, typed (never stuffed onto the request object). */
export interface Exchange {
  id: string;
  started: number;
  method: string;
  /** Lowercase host without port: what routes and cookies are keyed on. */
  host: string;
  /** Host header as sent (with port), for redirects and X-Forwarded-Host. */
  hostHeader: string;
  url: string;
  path: string;
  clientIp: string;
  route?: Route;
  email?: string;
}
