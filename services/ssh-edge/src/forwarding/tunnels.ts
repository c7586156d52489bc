import type { Bus } from '@drawbridge/bus';
import type { Config, Route } from '@drawbridge/config';
import type { Logger } from '@drawbridge/log';
import { type AuthzApi, randomId, type TunnelRecord } from '@drawbridge/protocol';
import type { Registry } from '@drawbridge/registry';
import { ERR_LIMIT_REACHED, ERR_TUNNEL_DENIED, SshEdgeError } from '../errors.js';
import type { ConnectionState, LiveTunnel } from '../types.js';
import { findTunnelRoute } from './find-route.js';

export interface TunnelTableDeps {
  registry: Registry;
  bus: Bus;
  authz: AuthzApi;
  logger: Logger;
  edgeId: string;
  dataPlaneAddress: () => string;
  now: () => number;
  config: () => { config: Config; generation: number };
}

type Verdict =
  | { allow: true; route: Route }
  | { allow: false; reason: string; route?: Route; error: unknown };

/**
 * The tunnels this edge holds. Every state change is written to the registry and announced on the
 * bus; re-evaluations run one at a time so a burst of reloads settles on the newest config.
 */
export class TunnelTable {
  private readonly tunnels = new Map<string, LiveTunnel>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly deps: TunnelTableDeps) {}

  get(id: string): LiveTunnel | undefined {
    return this.tunnels.get(id);
  }

  all(): LiveTunnel[] {
    return [...this.tunnels.values()];
  }

  private async decide(conn: ConnectionState, bindHost: string, bindPort: number): Promise<Verdict> {
    const { config } = this.deps.config();
    let route: Route;
    try {
      route = findTunnelRoute(config, bindHost, bindPort);
    } catch (error) {
      return { allow: false, reason: (error as Error).message, error };
    }
    const decision = await this.deps.authz.evaluate({
      routeFrom: route.from,
      kind: 'ssh',
      input: {
        identity: conn.identity,
        ssh: {
          username: conn.sshUsername,
          publicKey: conn.publicKey,
          publicKeyFingerprint: conn.fingerprint,
        },
        sourceIp: conn.clientAddress,
        now: this.deps.now(),
      },
    });
    if (decision.allow) return { allow: true, route };
    const reason = `ssh_policy of ${route.from} does not allow ${conn.identity?.email ?? 'this user'} (${decision.reason}${decision.rule ? ` at ${decision.rule}` : ''})`;
    return { allow: false, reason, route, error: new SshEdgeError(ERR_TUNNEL_DENIED, reason) };
  }

  /** Handles `tcpip-forward`: checks route, flag, limits and ssh_policy, then records the tunnel. */
  async attach(conn: ConnectionState, bindHost: string, bindPort: number): Promise<LiveTunnel> {
    const c = this.deps.config();
    if (conn.tunnels.size >= c.config.ssh_max_tunnels_per_connection) {
      throw new SshEdgeError(
        ERR_LIMIT_REACHED,
        `at most ${c.config.ssh_max_tunnels_per_connection} tunnels per connection`,
      );
    }
    const email = conn.identity?.email;
    const mine = this.all().filter((t) => t.record.identity.email === email).length;
    if (mine >= c.config.ssh_max_tunnels_per_identity) {
      throw new SshEdgeError(
        ERR_LIMIT_REACHED,
        `at most ${c.config.ssh_max_tunnels_per_identity} tunnels per user`,
      );
    }
    const verdict = await this.decide(conn, bindHost, bindPort);
    if (!verdict.allow) throw verdict.error;
    const now = this.deps.now();
    const record: TunnelRecord = {
      id: randomId(),
      edgeId: this.deps.edgeId,
      dataPlaneAddress: this.deps.dataPlaneAddress(),
      routeFrom: verdict.route.from,
      bindHost: bindHost.toLowerCase(),
      bindPort: bindPort === 0 ? (verdict.route.fromScheme === 'http' ? 80 : 443) : bindPort,
      identity: conn.identity!,
      sessionId: conn.sessionId,
      connectionId: conn.id,
      clientAddress: conn.clientAddress,
      state: 'attached',
      generation: c.generation,
      connectedAt: now,
      heartbeatAt: now,
      requests: 0,
    };
    const live: LiveTunnel = {
      record,
      conn,
      forwardPort: record.bindPort,
      requestedPort: bindPort,
      activeChannels: 0,
    };
    this.tunnels.set(record.id, live);
    conn.tunnels.set(record.id, live);
    await this.deps.registry.putTunnel(record);
    await this.deps.bus.publish('tunnel.attached', { tunnel: record });
    this.deps.logger.info({ tunnel: record.id, route: record.routeFrom, email }, 'tunnel attached');
    return live;
  }

  /** Removes a tunnel for good (cancel-tcpip-forward, connection end, drain). */
  async close(t: LiveTunnel, why: string): Promise<void> {
    if (!this.tunnels.delete(t.record.id)) return;
    t.conn.tunnels.delete(t.record.id);
    await this.deps.registry.deleteTunnel(t.record.id).catch(() => false);
    await this.deps.bus
      .publish('tunnel.closed', {
        tunnelId: t.record.id,
        routeFrom: t.record.routeFrom,
        edgeId: this.deps.edgeId,
      })
      .catch(() => {});
    this.deps.logger.info({ tunnel: t.record.id, route: t.record.routeFrom, why }, 'tunnel closed');
  }

  /** `cancel-tcpip-forward` for the bind host/port the client forwarded. */
  async cancel(conn: ConnectionState, bindHost: string, bindPort: number): Promise<boolean> {
    const host = bindHost.toLowerCase();
    const t = [...conn.tunnels.values()].find(
      (x) => x.record.bindHost === host && (x.requestedPort === bindPort || x.forwardPort === bindPort),
    );
    if (!t) return false;
    await this.close(t, 'cancel-tcpip-forward');
    return true;
  }

  async closeConnection(conn: ConnectionState, why: string): Promise<void> {
    await Promise.all([...conn.tunnels.values()].map((t) => this.close(t, why)));
  }

  /** Re-checks route, flag and ssh_policy of the given tunnels (all by default); detaches or re-attaches. */
  reevaluate(filter: (t: LiveTunnel) => boolean = () => true, cause = 'config reloaded'): Promise<void> {
    const run = async () => {
      await Promise.all(
        this.all()
          .filter(filter)
          .map((t) => this.reevaluateOne(t, cause)),
      );
    };
    this.queue = this.queue.then(run, run);
    return this.queue;
  }

  private async reevaluateOne(t: LiveTunnel, cause: string): Promise<void> {
    if (t.conn.closed || !this.tunnels.has(t.record.id)) return;
    let verdict: Verdict;
    try {
      verdict = await this.decide(t.conn, t.record.bindHost, t.requestedPort);
    } catch (err) {
      // Fail closed: an unanswerable policy question detaches rather than serving on stale permission.
      verdict = {
        allow: false,
        reason: `policy could not be evaluated: ${(err as Error).message}`,
        error: err,
      };
    }
    // Closed while the policy was being asked: writing now would resurrect the record.
    if (t.conn.closed || !this.tunnels.has(t.record.id)) return;
    const generation = this.deps.config().generation;
    const prev = t.record.state;
    if (verdict.allow) {
      t.record = {
        ...t.record,
        state: 'attached',
        routeFrom: verdict.route.from,
        generation,
        reason: undefined,
        identity: t.conn.identity ?? t.record.identity,
      };
      await this.deps.registry.putTunnel(t.record);
      if (prev !== 'attached') {
        await this.deps.bus.publish('tunnel.attached', { tunnel: t.record });
        this.deps.logger.info(
          { tunnel: t.record.id, route: t.record.routeFrom, cause },
          'tunnel re-attached',
        );
      }
      return;
    }
    t.record = {
      ...t.record,
      state: 'detached',
      generation,
      reason: verdict.reason,
      routeFrom: verdict.route?.from ?? t.record.routeFrom,
    };
    await this.deps.registry.putTunnel(t.record);
    if (prev !== 'detached') {
      await this.deps.bus.publish('tunnel.detached', { tunnel: t.record, reason: verdict.reason });
      this.deps.logger.info(
        { tunnel: t.record.id, route: t.record.routeFrom, reason: verdict.reason, cause },
        'tunnel detached; SSH connection kept',
      );
    }
  }

  /** Refreshes every record's TTL; a crashed edge's tunnels expire from the registry on their own. */
  async heartbeat(): Promise<void> {
    const now = this.deps.now();
    await Promise.all(
      this.all().map((t) => {
        t.record = { ...t.record, heartbeatAt: now };
        return this.deps.registry.putTunnel(t.record);
      }),
    );
  }
}
