import type { Logger } from '@drawbridge/log';
import { connect, ErrorCode, Events, type NatsConnection, type NatsError } from 'nats';
import { BusError, ERR_BUS_NO_RESPONDER, ERR_BUS_TIMEOUT, ERR_BUS_UNAVAILABLE } from './errors.js';
import type { BusTransport, SubscribeOptions } from './transport.js';

/** Wait between reconnect attempts: short, because every service stalls on the bus meanwhile. */
export const DEFAULT_NATS_RECONNECT_WAIT_MS = 250;
/** How long `NatsTransport.connect` waits for the first connection. */
export const DEFAULT_NATS_CONNECT_TIMEOUT_MS = 5000;

export interface NatsTransportOptions {
  /** `nats_url`: `nats://host:4222`, several comma-separated for a cluster. */
  url: string;
  /** Client name shown by the server (service and instance). */
  name?: string;
  logger?: Logger;
  reconnectWaitMs?: number;
  connectTimeoutMs?: number;
}

/** Subjects are built by Bus from fixed code names; anything else (wildcards, spaces) is a bug. */
const SAFE_SUBJECT = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

function checkSubject(subject: string): void {
  if (!SAFE_SUBJECT.test(subject))
    throw new BusError(ERR_BUS_UNAVAILABLE, `refusing unsafe bus subject ${JSON.stringify(subject)}`);
}

/**
 * The bus over NATS core (no JetStream): reconnects forever; subscriptions are restored by the
 * client after a reconnect and `onReconnect` callbacks let consumers re-sync from the registry.
 * The only file that imports nats.
 * @example const t = await NatsTransport.connect({ url: 'nats://127.0.0.1:4222' });
 */
export class NatsTransport implements BusTransport {
  readonly kind = 'nats' as const;
  private readonly reconnectFns = new Set<() => void>();
  private closed = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly url: string,
    private readonly logger?: Logger,
  ) {
    void this.watchStatus();
  }

  /** Connects, waiting for the first connection; rejects with DRAWBRIDGE_BUS_UNAVAILABLE when it fails. */
  static async connect(opts: NatsTransportOptions): Promise<NatsTransport> {
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: opts.url.split(',').map((s) => s.trim()),
        name: opts.name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: opts.reconnectWaitMs ?? DEFAULT_NATS_RECONNECT_WAIT_MS,
        reconnectJitter: 50,
        timeout: opts.connectTimeoutMs ?? DEFAULT_NATS_CONNECT_TIMEOUT_MS,
        pingInterval: 10_000,
      });
    } catch (cause) {
      throw new BusError(
        ERR_BUS_UNAVAILABLE,
        `cannot connect to NATS at ${opts.url}: ${(cause as Error).message}; check nats_url and that nats-server is running`,
        { cause },
      );
    }
    return new NatsTransport(nc, opts.url, opts.logger);
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === Events.Disconnect)
        this.logger?.warn({ nats: this.url }, 'bus disconnected from NATS; reconnecting');
      if (s.type === Events.Reconnect) {
        this.logger?.info({ nats: this.url, server: s.data }, 'bus reconnected to NATS');
        for (const fn of [...this.reconnectFns]) {
          try {
            fn();
          } catch (err) {
            this.logger?.error({ err }, 'bus reconnect callback failed');
          }
        }
      }
    }
  }

  private unavailable(what: string, cause: unknown): BusError {
    return new BusError(
      ERR_BUS_UNAVAILABLE,
      `NATS ${what} failed: ${(cause as Error)?.message ?? cause}; check nats_url`,
      { cause },
    );
  }

  async publish(subject: string, data: Uint8Array): Promise<void> {
    checkSubject(subject);
    try {
      // While reconnecting the client buffers publishes and sends them once connected.
      this.nc.publish(subject, data);
    } catch (err) {
      throw this.unavailable('publish', err);
    }
  }

  subscribe(
    subject: string,
    handler: (data: Uint8Array, reply?: (data: Uint8Array) => void) => void,
    opts: SubscribeOptions = {},
  ): () => void {
    checkSubject(subject);
    const sub = this.nc.subscribe(subject, {
      queue: opts.queue,
      callback: (err, msg) => {
        if (err) {
          this.logger?.warn({ err, subject }, 'bus subscription error');
          return;
        }
        const reply = msg.reply ? (d: Uint8Array) => void msg.respond(d) : undefined;
        try {
          handler(msg.data, reply);
        } catch (e) {
          this.logger?.error({ err: e, subject }, 'bus handler failed');
        }
      },
    });
    return () => {
      if (!sub.isClosed()) sub.unsubscribe();
    };
  }

  async request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    checkSubject(subject);
    try {
      const msg = await this.nc.request(subject, data, { timeout: timeoutMs });
      return msg.data;
    } catch (err) {
      const code = (err as NatsError).code;
      if (code === ErrorCode.NoResponders)
        throw new BusError(ERR_BUS_NO_RESPONDER, `no responder for ${subject}`, { cause: err });
      if (code === ErrorCode.Timeout)
        throw new BusError(ERR_BUS_TIMEOUT, `request ${subject} timed out after ${timeoutMs} ms`, {
          cause: err,
        });
      throw this.unavailable(`request ${subject}`, err);
    }
  }

  onReconnect(fn: () => void): () => void {
    this.reconnectFns.add(fn);
    return () => {
      this.reconnectFns.delete(fn);
    };
  }

  /** Round trip to the server; rejects while disconnected. */
  async ping(): Promise<void> {
    if (this.nc.isClosed()) throw this.unavailable('ping', new Error('connection closed'));
    try {
      await this.nc.rtt();
    } catch (err) {
      throw this.unavailable('ping', err);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.reconnectFns.clear();
    try {
      await this.nc.drain();
    } catch {
      await this.nc.close();
    }
  }
}
