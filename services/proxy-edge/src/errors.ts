import { DrawbridgeError } from '@drawbridge/protocol';

/** No attached tunnel (or no reachable upstream) for the route: 503 "no healthy upstream". */
export const ERR_NO_HEALTHY_UPSTREAM = 'DRAWBRIDGE_NO_HEALTHY_UPSTREAM';
/** Opening a stream through a tunnel failed (data plane unreachable, channel refused). */
export const ERR_TUNNEL_DIAL_FAILED = 'DRAWBRIDGE_TUNNEL_DIAL_FAILED';
/** The request body is larger than `max_request_body_bytes`: 413. */
export const ERR_BODY_TOO_LARGE = 'DRAWBRIDGE_BODY_TOO_LARGE';
/** The `/.pomerium/callback` handoff token is missing, expired or for another host. */
export const ERR_HANDOFF_INVALID = 'DRAWBRIDGE_HANDOFF_INVALID';
/** authz could not be asked (bus timeout, no responder). */
export const ERR_AUTHZ_UNAVAILABLE = 'DRAWBRIDGE_AUTHZ_UNAVAILABLE';
/** TLS material named in the config cannot be read. */
export const ERR_TLS_UNREADABLE = 'DRAWBRIDGE_TLS_UNREADABLE';
/** A bad option passed to `createProxyEdge`. */
export const ERR_PROXY_OPTIONS = 'DRAWBRIDGE_PROXY_OPTIONS_INVALID';

/** Errors proxy-edge raises on purpose; `code` is one of the constants above. */
export class ProxyEdgeError extends DrawbridgeError {
  constructor(
    code: string,
    message: string,
    opts: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(code, message, opts);
    this.name = 'ProxyEdgeError';
  }
}
