export { DEFAULT_DECISION_CACHE_MS } from './authorize/authorizer.js';
export {
  ERR_AUTHZ_UNAVAILABLE,
  ERR_BODY_TOO_LARGE,
  ERR_HANDOFF_INVALID,
  ERR_NO_HEALTHY_UPSTREAM,
  ERR_PROXY_OPTIONS,
  ERR_TLS_UNREADABLE,
  ERR_TUNNEL_DIAL_FAILED,
  ProxyEdgeError,
} from './errors.js';
export { DEFAULT_UPSTREAM_HEADERS_TIMEOUT_MS } from './http/request-handler.js';
export { DEFAULT_ASSERTION_TTL_SECONDS } from './identity/assertion.js';
export {
  deriveIdentitySigningKey,
  type IdentityPublicJwk,
  type IdentitySigningKey,
} from './identity/signing-key.js';
export { createProxyEdge, type ProxyEdge } from './service.js';
export { DEFAULT_SESSION_CACHE_MS } from './session/session-restorer.js';
export {
  connectThroughDataPlane,
  DEFAULT_DATA_PLANE_CONNECT_TIMEOUT_MS,
} from './tunnels/data-plane-connect.js';
export {
  DEFAULT_BAD_TUNNEL_MS,
  DEFAULT_CONNECTIONS_PER_TUNNEL,
  DEFAULT_RECONCILE_INTERVAL_MS,
} from './tunnels/tunnel-cache.js';
export type { ProxyEdgeDeps } from './types.js';
