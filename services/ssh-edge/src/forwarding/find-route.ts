import type { Config, Route } from '@drawbridge/config';
import { ERR_ROUTE_NOT_FOUND, ERR_TUNNELS_DISABLED, SshEdgeError } from '../errors.js';

/** The scheme's port (what the tutorial's `-R host:443:…` names, even when the public listener is on :8443), the explicit port, or 0. */
function portMatches(r: Route, bindPort: number): boolean {
  const schemePort = r.fromScheme === 'http' ? 80 : 443;
  return bindPort === 0 || bindPort === schemePort || bindPort === r.fromPort;
}

/**
 * The tunnel route a `tcpip-forward` names: `from` host = bind host, and bind port = the route's
 * port (443 for https, 80 for http, or explicit) or 0. Throws a typed error saying why not.
 */
export function findTunnelRoute(config: Config, bindHost: string, bindPort: number): Route {
  if (!config.runtime_flags.ssh_upstream_tunnel) {
    throw new SshEdgeError(
      ERR_TUNNELS_DISABLED,
      'reverse tunnels are disabled on this server (runtime_flags.ssh_upstream_tunnel)',
    );
  }
  const host = bindHost.toLowerCase().replace(/\.$/, '');
  const sameHost = config.routes.filter((r) => r.fromHost === host);
  const route = sameHost.find((r) => r.isTunnel && portMatches(r, bindPort));
  if (route) return route;
  const why =
    sameHost.length === 0
      ? `no route for ${host}`
      : sameHost.some((r) => r.isTunnel)
        ? `route ${host} does not listen on port ${bindPort} (use 443 for https, 80 for http, or 0)`
        : `route ${host} has no upstream_tunnel`;
  throw new SshEdgeError(ERR_ROUTE_NOT_FOUND, why, { details: { bindHost: host, bindPort } });
}
