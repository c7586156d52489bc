import type { ServiceContext } from '@drawbridge/runtime';
import type { Agent } from 'undici';
import type { Authorizer } from './authorize/authorizer.js';
import type { IdentityAssertions } from './identity/assertion.js';
import type { ProxyMetrics } from './ops/metrics.js';
import type { SessionRestorer } from './session/session-restorer.js';
import type { TunnelCache } from './tunnels/tunnel-cache.js';
import type { ConfigView, Exchange, ProxyEdgeDeps } from './types.js';

/** The parts of a running proxy-edge that request handling shares (built once in `createProxyEdge`). */
export interface ProxyCore {
  ctx: ServiceContext;
  deps: ProxyEdgeDeps;
  tunnels: TunnelCache;
  sessions: SessionRestorer;
  assertions: IdentityAssertions;
  authorizer: Authorizer;
  metrics: ProxyMetrics;
  /** Pools for static `to` upstreams and authn (one per origin). */
  agent: Agent;
  view(): ConfigView;
  /** Records metrics and writes the access log line for a finished exchange. */
  complete(ex: Exchange, status: number, bytes: number): void;
}
