import type { Config, Route } from '@drawbridge/config';
import {
  createRouteIndex,
  findTunnelRoute as lookupTunnelRoute,
  matchHost,
  type RouteIndex,
} from '@drawbridge/policy';
import { ERR_ROUTE_NOT_FOUND, ERR_TUNNELS_DISABLED, SshEdgeError } from '../errors.js';

// One index per config generation: configs are replaced, never mutated, on reload.
const indexes = new WeakMap<Config, RouteIndex<Route>>();

/**
 * The tunnel route a `tcpip-forward` names (the policy package's matching: exact or `*.` host, and
 * bind port 0, the scheme's port — what `-R host:443:…` names even when HTTPS listens on :8443 — or
 * the route's explicit port). Throws a typed error saying why not.
 */
export function findTunnelRoute(config: Config, bindHost: string, bindPort: number): Route {
  if (!config.runtime_flags.ssh_upstream_tunnel) {
    throw new SshEdgeError(
      ERR_TUNNELS_DISABLED,
      'reverse tunnels are disabled on this server (runtime_flags.ssh_upstream_tunnel)',
    );
  }
  const host = bindHost.toLowerCase().replace(/\.$/, '');
  let index = indexes.get(config);
  if (!index) {
    index = createRouteIndex(config.routes);
    indexes.set(config, index);
  }
  const route = lookupTunnelRoute(index, host, bindPort);
  if (route) return route;
  const sameHost = config.routes.filter((r) => matchHost(r.fromHost, host));
  const why =
    sameHost.length === 0
      ? `no route for ${host}`
      : sameHost.some((r) => r.isTunnel)
        ? `route ${host} does not listen on port ${bindPort} (use 443 for https, 80 for http, or 0)`
        : `route ${host} has no upstream_tunnel`;
  throw new SshEdgeError(ERR_ROUTE_NOT_FOUND, why, { details: { bindHost: host, bindPort } });
}
