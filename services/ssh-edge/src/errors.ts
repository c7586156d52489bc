import { DrawbridgeError } from '@drawbridge/protocol';

/** No route has this host (and port) with `upstream_tunnel`. */
export const ERR_ROUTE_NOT_FOUND = 'DRAWBRIDGE_SSH_ROUTE_NOT_FOUND';
/** `runtime_flags.ssh_upstream_tunnel` is off. */
export const ERR_TUNNELS_DISABLED = 'DRAWBRIDGE_SSH_TUNNELS_DISABLED';
/** The route's `upstream_tunnel.ssh_policy` does not allow this identity. */
export const ERR_TUNNEL_DENIED = 'DRAWBRIDGE_SSH_TUNNEL_DENIED';
/** A configured limit (tunnels per connection/identity, channels per tunnel, …) was reached. */
export const ERR_LIMIT_REACHED = 'DRAWBRIDGE_SSH_LIMIT_REACHED';
/** The tunnel id is not held by this edge (closed, or held elsewhere). */
export const ERR_TUNNEL_NOT_FOUND = 'DRAWBRIDGE_SSH_TUNNEL_NOT_FOUND';
/** The tunnel exists but is detached (its ssh_policy no longer allows it). */
export const ERR_TUNNEL_DETACHED = 'DRAWBRIDGE_SSH_TUNNEL_DETACHED';
/** The SSH client refused or failed to open the forwarded channel (local service down?). */
export const ERR_CHANNEL_FAILED = 'DRAWBRIDGE_SSH_CHANNEL_FAILED';
/** The browser sign-in was denied. */
export const ERR_SIGNIN_DENIED = 'DRAWBRIDGE_SIGNIN_DENIED';
/** The browser sign-in was not approved in time. */
export const ERR_SIGNIN_EXPIRED = 'DRAWBRIDGE_SIGNIN_EXPIRED';
/** A browser sign-in cannot start: the registry (Redis) does not answer. */
export const ERR_SIGNIN_UNAVAILABLE = 'DRAWBRIDGE_SIGNIN_UNAVAILABLE';
/** The session behind a connection was revoked or expired. */
export const ERR_SESSION_ENDED = 'DRAWBRIDGE_SSH_SESSION_ENDED';
/** The edge is draining (SIGTERM) and takes no new work. */
export const ERR_EDGE_DRAINING = 'DRAWBRIDGE_SSH_EDGE_DRAINING';
/** A host key or user CA private key file is readable by group or others; `chmod 600` it. */
export const ERR_KEY_PERMISSIONS = 'DRAWBRIDGE_SSH_KEY_PERMISSIONS';
/** A bad option passed to `createSshEdge` (unreadable host key, CA key, address). */
export const ERR_SSH_EDGE_OPTIONS = 'DRAWBRIDGE_SSH_EDGE_OPTIONS';

/** Every error ssh-edge raises on purpose; `code` is one of the constants above. */
export class SshEdgeError extends DrawbridgeError {
  constructor(
    code: string,
    message: string,
    opts: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(code, message, opts);
    this.name = 'SshEdgeError';
  }
}
