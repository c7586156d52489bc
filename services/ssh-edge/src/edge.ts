import { readFileSync, statSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import type { LoadedConfig } from '@drawbridge/config';
import type { AuthzApi, TunnelDialer } from '@drawbridge/protocol';
import { formatAddress, parseAddress, type Service, type ServiceContext } from '@drawbridge/runtime';
import ssh2 from 'ssh2';
import type sshpk from 'sshpk';
import { createAuthenticator } from './auth/authenticate.js';
import { parseCaKeys } from './auth/certificate.js';
import { SigninWaiter } from './auth/signin-waiter.js';
import { createLocalDialer } from './data-plane/dial.js';
import { createDataPlaneServer } from './data-plane/listener.js';
import {
  ERR_EDGE_DRAINING,
  ERR_KEY_PERMISSIONS,
  ERR_SESSION_ENDED,
  ERR_SSH_EDGE_OPTIONS,
  SshEdgeError,
} from './errors.js';
import { handleDirectTcpip } from './forwarding/direct-tcpip.js';
import { handleForwardRequest } from './forwarding/requests.js';
import { TunnelTable } from './forwarding/tunnels.js';
import { DISCONNECT_TOO_MANY_CONNECTIONS, disconnectWithMessage } from './lib/disconnect.js';
import { batchSocketWrites } from './lib/write-batching.js';
import { sshMessageFor } from './messages.js';
import {
  DEFAULT_SESSION_SWEEP_MS,
  DEFAULT_TUNNEL_HEARTBEAT_MS,
  keepaliveCountMax,
  SSH_ALGORITHMS,
} from './options.js';
import { handleSession } from './session/handle-session.js';
import type { ConnectionState } from './types.js';

/** What `createSshEdge` returns: a Service plus what all-in-one wiring needs. */
export interface SshEdge extends Service {
  readonly edgeId: string;
  /** In-process dialer for tunnels this edge holds (all-in-one proxy-edges use it). */
  readonly dialer: TunnelDialer;
  /** `host:port` of the SSH listener once started. */
  sshAddress(): string;
  /** `host:port` proxy-edges CONNECT to once started (advertised address when configured). */
  dataPlaneAddress(): string;
  /** Tunnels held right now (records as in the registry). */
  tunnels(): import('@drawbridge/protocol').TunnelRecord[];
}

export interface SshEdgeDeps {
  authz: AuthzApi;
}

/** A private key others can read is a leaked key: refuse it, as sshd does, before using it. */
function assertOwnerOnly(file: string, what: string): void {
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    return; // the read that follows reports a missing file
  }
  if ((mode & 0o077) === 0) return;
  throw new SshEdgeError(
    ERR_KEY_PERMISSIONS,
    `${what} ${file} is accessible by group or others (mode ${mode.toString(8).padStart(4, '0')}); run chmod 600 ${file}`,
    { details: { file, mode } },
  );
}

function loadHostKeys(files: string[]): Buffer[] {
  if (files.length === 0) {
    throw new SshEdgeError(
      ERR_SSH_EDGE_OPTIONS,
      'ssh_host_key_files is empty; run `drawbridge init` or generate keys with ssh-keygen -t ed25519',
    );
  }
  return files.map((f) => {
    assertOwnerOnly(f, 'SSH host key');
    try {
      return readFileSync(f);
    } catch (err) {
      throw new SshEdgeError(
        ERR_SSH_EDGE_OPTIONS,
        `cannot read SSH host key ${f}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  });
}

function loadCaKeys(file: string | undefined): sshpk.Key[] {
  if (!file) return [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SshEdgeError(
      ERR_SSH_EDGE_OPTIONS,
      `cannot read ssh_user_ca_key_file ${file}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  // Only the public half is used here, but a private CA key must still be owner-only.
  if (/PRIVATE KEY-----/.test(text)) assertOwnerOnly(file, 'SSH user CA key (ssh_user_ca_key_file)');
  try {
    return parseCaKeys(text);
  } catch (err) {
    throw new SshEdgeError(
      ERR_SSH_EDGE_OPTIONS,
      `cannot read ssh_user_ca_key_file ${file}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/**
 * The SSH server `ssh -R` points at: signs users in, binds reverse tunnels to routes, re-evaluates
 * them on every config or session change, and serves them to proxy-edges.
 * @example const edge = createSshEdge(ctx, { authz }); await edge.start();
 */
export function createSshEdge(ctx: ServiceContext, deps: SshEdgeDeps): SshEdge {
  const edgeId = `ssh-edge-${ctx.instanceId}`;
  const logger = ctx.logger.child({ service: 'ssh-edge', edge: edgeId });
  const initial = ctx.config.current().config;
  // Fail fast on unreadable keys (options validated once at construction).
  let hostKeys = loadHostKeys(initial.ssh_host_key_files);
  let caKeys = loadCaKeys(initial.ssh_user_ca_key_file);
  const cfg = () => ctx.config.current().config;

  let sshListener: NetServer | undefined;
  let dataPlane: HttpServer | undefined;
  // CONNECT sockets leave the HTTP server's bookkeeping, so closeAllConnections() misses them and
  // close() would wait for every pooled proxy-edge connection: track them to end them after the drain.
  const dataPlaneSockets = new Set<Socket>();
  let sshAddr = '';
  let dpAddr = '';
  let draining = false;
  let started = false;
  let activeStreams = 0;
  let unauthenticated = 0;
  const connections = new Set<ConnectionState>();
  const timers: NodeJS.Timeout[] = [];
  const unsubscribers: Array<() => void> = [];
  let waiter: SigninWaiter | undefined;

  const table = new TunnelTable({
    registry: ctx.registry,
    bus: ctx.bus,
    authz: deps.authz,
    logger,
    edgeId,
    dataPlaneAddress: () => dpAddr,
    now: ctx.now,
    config: () => {
      const l = ctx.config.current();
      return { config: l.config, generation: l.generation };
    },
  });
  const dialDeps = {
    tunnels: table,
    maxChannels: () => cfg().ssh_max_channels_per_tunnel,
    onStream: (d: 1 | -1) => {
      activeStreams += d;
    },
  };
  const dialer = createLocalDialer({ ...dialDeps, draining: () => draining });

  // ssh2 announces a connection only once the client's version line arrives; map it back to the
  // raw socket we injected, whose lifetime (limits, timeouts) we track from the first byte.
  const pendingSockets = new Map<Socket, (client: ssh2.Connection, info: ssh2.ClientInfo) => void>();
  const makeSshServer = () => {
    const server = new ssh2.Server({
      hostKeys,
      algorithms: SSH_ALGORITHMS,
      ident: 'Drawbridge',
      keepaliveInterval: cfg().ssh_keepalive_interval,
      keepaliveCountMax: keepaliveCountMax(cfg().ssh_keepalive_interval),
    } as ssh2.ServerConfig);
    server.on('connection', (client, info) => {
      const sock = (client as unknown as { _sock: Socket })._sock;
      const handler = pendingSockets.get(sock);
      pendingSockets.delete(sock);
      if (handler) handler(client, info);
      else client.end();
    });
    return server;
  };
  let sshServer = makeSshServer();

  const endConnection = (conn: ConnectionState, message: string) => {
    logger.info({ conn: conn.id, message }, 'disconnecting client');
    disconnectWithMessage(conn.client, message);
  };

  const onSocket = (socket: Socket) => {
    socket.setNoDelay(true);
    batchSocketWrites(socket);
    socket.setKeepAlive(true, 10_000);
    socket.on('error', () => {});
    if (draining) {
      socket.destroy();
      return;
    }
    const c = cfg();
    if (unauthenticated >= c.ssh_max_unauthenticated_connections) {
      logger.warn({ unauthenticated }, 'too many unauthenticated connections; refusing');
      socket.end('SSH-2.0-Drawbridge\r\n');
      socket.destroy();
      return;
    }
    unauthenticated++;
    let counted = true;
    const uncount = () => {
      if (counted) {
        counted = false;
        unauthenticated--;
      }
    };
    // The unauthenticated deadline is per raw socket: half-open connections never reach ssh2's
    // 'connection' event. It pauses while a browser sign-in is pending (that has its own expiry).
    let waitingForSignin = false;
    let deadline: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(deadline);
      deadline = setTimeout(() => {
        if (waitingForSignin || !counted) return;
        logger.debug({ client: socket.remoteAddress }, 'unauthenticated timeout');
        if (conn)
          disconnectWithMessage(conn.client, 'Authentication timed out', DISCONNECT_TOO_MANY_CONNECTIONS);
        socket.destroy();
      }, c.ssh_unauthenticated_timeout);
    };
    arm();
    socket.once('close', () => {
      clearTimeout(deadline);
      uncount();
    });
    let conn: ConnectionState | undefined;
    const onConnection = (client: ssh2.Connection, info: ssh2.ClientInfo) => {
      const state: ConnectionState = {
        id: `c-${Math.random().toString(36).slice(2, 10)}`,
        client,
        clientAddress: (info.ip ?? '').replace(/^::ffff:/, ''),
        clientPort: info.port,
        sshUsername: '',
        authenticated: false,
        sessionTracked: false,
        tunnels: new Map(),
        screens: new Set(),
        openSessions: 0,
        directForwards: new Set(),
        closed: false,
      };
      conn = state;
      setupConnection(state, {
        onSigninWait: (w) => {
          waitingForSignin = w;
          if (!w && counted) arm();
        },
        onReady: () => {
          clearTimeout(deadline);
          uncount();
        },
      });
    };
    pendingSockets.set(socket, onConnection);
    socket.once('close', () => pendingSockets.delete(socket));
    sshServer.injectSocket(socket);
  };

  const setupConnection = (
    conn: ConnectionState,
    hooks: { onSigninWait: (w: boolean) => void; onReady: () => void },
  ) => {
    const { client } = conn;
    connections.add(conn);
    client.on('error', (err: Error & { level?: string }) => {
      logger.debug({ conn: conn.id, err: err.message, level: err.level }, 'ssh connection error');
    });
    client.on(
      'authentication',
      createAuthenticator(conn, {
        registry: ctx.registry,
        bus: ctx.bus,
        logger,
        edgeId,
        now: ctx.now,
        config: cfg,
        caKeys: () => caKeys,
        waiter: waiter!,
        onSigninWait: hooks.onSigninWait,
      }),
    );
    client.on('ready', () => {
      conn.authenticated = true;
      hooks.onReady();
      if (draining) {
        endConnection(conn, sshMessageFor(new SshEdgeError(ERR_EDGE_DRAINING, 'draining')));
        return;
      }
      logger.info(
        { conn: conn.id, email: conn.identity?.email, via: conn.authMethod },
        'client authenticated',
      );
    });
    client.on('request', (accept, reject, name, info) =>
      handleForwardRequest(conn, table, logger, { accept, reject, name, info }),
    );
    client.on('session', (accept, reject) => handleSession(conn, accept, reject, logger, ctx.now));
    // ssh -L / -J make the gateway a TCP relay into its network: only when the operator opts in.
    client.on('tcpip', (accept, reject, info) =>
      handleDirectTcpip(conn, accept, reject, info, {
        allowed: () => cfg().runtime_flags.ssh_allow_direct_tcpip,
        maxChannels: () => cfg().ssh_max_channels_per_tunnel,
        logger,
        onStream: dialDeps.onStream,
      }),
    );
    client.on('close', () => {
      conn.closed = true;
      connections.delete(conn);
      void table.closeConnection(conn, 'ssh connection closed');
    });
  };

  const onConfig = (next: LoadedConfig, prev: LoadedConfig) => {
    try {
      if (next.config.ssh_user_ca_key_file !== prev.config.ssh_user_ca_key_file)
        caKeys = loadCaKeys(next.config.ssh_user_ca_key_file);
      if (next.config.ssh_host_key_files.join() !== prev.config.ssh_host_key_files.join()) {
        hostKeys = loadHostKeys(next.config.ssh_host_key_files);
        sshServer = makeSshServer(); // New connections get the new keys; live ones keep theirs.
      }
    } catch (err) {
      logger.error({ err }, 'keeping previous SSH keys');
    }
    if (
      prev.config.runtime_flags.ssh_allow_direct_tcpip &&
      !next.config.runtime_flags.ssh_allow_direct_tcpip
    ) {
      for (const conn of connections) for (const close of [...conn.directForwards]) close();
    }
    // After the current tick: an in-process authz subscribed to the same source recompiles first.
    setImmediate(() => void table.reevaluate(() => true, `config generation ${next.generation}`));
  };

  const checkSession = async (conn: ConnectionState, why: string) => {
    if (conn.closed) return;
    const now = ctx.now();
    if (conn.sessionTracked && conn.sessionId) {
      const s = await ctx.registry.getSession(conn.sessionId).catch(() => 'unknown' as const);
      if (s === 'unknown') return; // Registry down: do not disconnect everyone on a blip.
      if (!s) return endConnection(conn, sshMessageFor(new SshEdgeError(ERR_SESSION_ENDED, why)));
      conn.identity = s.identity;
      conn.expiresAt = s.expiresAt;
    } else if (conn.expiresAt !== undefined && conn.expiresAt <= now) {
      return endConnection(conn, sshMessageFor(new SshEdgeError(ERR_SESSION_ENDED, 'certificate expired')));
    }
    await table.reevaluate((t) => t.conn === conn, why);
  };

  const describeAddress = (server: NetServer | HttpServer) => {
    const a = server.address() as AddressInfo;
    return formatAddress(a.address, a.port);
  };

  return {
    name: 'ssh-edge',
    edgeId,
    dialer,
    sshAddress: () => sshAddr,
    dataPlaneAddress: () => dpAddr,
    tunnels: () => table.all().map((t) => t.record),

    async start() {
      const c = cfg();
      waiter = new SigninWaiter(ctx.registry, ctx.bus);
      dataPlane = createDataPlaneServer({
        ...dialDeps,
        sharedSecret: () => cfg().shared_secret,
        logger,
        draining: () => draining,
      });
      dataPlane.on('connection', (socket: Socket) => {
        dataPlaneSockets.add(socket);
        socket.once('close', () => dataPlaneSockets.delete(socket));
      });
      const dp = parseAddress(c.ssh_data_plane_address);
      await new Promise<void>((resolve, reject) => {
        dataPlane!.once('error', reject);
        dataPlane!.listen(dp.port, dp.host, () => resolve());
      });
      dpAddr = c.ssh_data_plane_advertise_address ?? describeAddress(dataPlane);
      sshListener = createNetServer({ noDelay: true, pauseOnConnect: false }, onSocket);
      const sa = parseAddress(c.ssh_address);
      await new Promise<void>((resolve, reject) => {
        sshListener!.once('error', reject);
        sshListener!.listen(sa.port, sa.host, () => resolve());
      });
      sshAddr = describeAddress(sshListener);
      unsubscribers.push(ctx.config.subscribe(onConfig));
      unsubscribers.push(
        ctx.bus.subscribe('session.revoked', ({ sessionId, reason }) => {
          for (const conn of connections) {
            if (conn.sessionId === sessionId)
              endConnection(conn, sshMessageFor(new SshEdgeError(ERR_SESSION_ENDED, reason || 'revoked')));
          }
        }),
        // Another process's authz announces its reload: decisions asked before it may be stale.
        ctx.bus.subscribe('config.reloaded', ({ generation }) => {
          void table.reevaluate(() => true, `authz reloaded generation ${generation}`);
        }),
        ctx.bus.subscribe('session.changed', ({ sessionId }) => {
          for (const conn of connections)
            if (conn.sessionId === sessionId) void checkSession(conn, 'session changed');
        }),
      );
      const heartbeat = async () => {
        await ctx.registry
          .heartbeatEdge({
            id: edgeId,
            kind: 'ssh-edge',
            dataPlaneAddress: dpAddr,
            startedAt: startedAt,
            heartbeatAt: ctx.now(),
            draining,
          })
          .catch((err) => logger.warn({ err }, 'edge heartbeat failed'));
        await table.heartbeat().catch((err) => logger.warn({ err }, 'tunnel heartbeat failed'));
      };
      const startedAt = ctx.now();
      await heartbeat();
      timers.push(setInterval(heartbeat, DEFAULT_TUNNEL_HEARTBEAT_MS));
      timers.push(
        setInterval(() => {
          for (const conn of connections) if (conn.authenticated) void checkSession(conn, 'session expired');
        }, DEFAULT_SESSION_SWEEP_MS),
      );
      for (const t of timers) t.unref();
      started = true;
      logger.info({ ssh: sshAddr, dataPlane: dpAddr }, 'starting SSH listener');
    },

    async stop(opts = {}) {
      if (!started) return;
      started = false;
      draining = true;
      const graceMs = opts.graceMs ?? cfg().ssh_drain_grace_period;
      sshListener?.close();
      await ctx.bus.publish('edge.draining', { edgeId, kind: 'ssh-edge' }).catch(() => {});
      await ctx.registry
        .heartbeatEdge({
          id: edgeId,
          kind: 'ssh-edge',
          dataPlaneAddress: dpAddr,
          startedAt: 0,
          heartbeatAt: ctx.now(),
          draining: true,
        })
        .catch(() => {});
      const deadline = Date.now() + graceMs;
      while (activeStreams > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const message = sshMessageFor(new SshEdgeError(ERR_EDGE_DRAINING, 'draining'));
      for (const conn of [...connections]) {
        endConnection(conn, message);
        await table.closeConnection(conn, 'edge stopped');
      }
      for (const t of timers) clearInterval(t);
      for (const u of unsubscribers) u();
      waiter?.close();
      for (const socket of dataPlaneSockets) socket.destroy();
      await new Promise<void>((r) => (dataPlane ? dataPlane.close(() => r()) : r()));
      await ctx.registry.deleteEdge(edgeId).catch(() => false);
      logger.info({ activeStreams }, 'ssh-edge stopped');
    },

    async ready() {
      return started && !draining;
    },

    describe() {
      return [`ssh-edge listening on ${sshAddr} (data plane ${dpAddr})`];
    },
  };
}
