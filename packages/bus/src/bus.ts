import type { Logger } from '@drawbridge/log';
import type { BusEventName, BusEvents, BusRequestName, BusRequests } from '@drawbridge/protocol';
import { EnvelopeCodec } from './envelope.js';
import { BusError, ERR_BUS_REMOTE } from './errors.js';
import type { BusTransport } from './transport.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 2000;
const SUBJECT_PREFIX = 'drawbridge';

export interface BusOptions {
  transport: BusTransport;
  sharedSecret: string;
  /** Who is speaking (service and instance), carried in every message. */
  origin: string;
  logger?: Logger;
  now?: () => number;
}

export interface EventMeta {
  origin: string;
  ts: number;
}

/**
 * Typed, authenticated events and request/reply over a transport (in-process or NATS).
 * A message not signed with the key derived from `shared_secret` is dropped and logged.
 */
export class Bus {
  readonly transport: BusTransport;
  readonly origin: string;
  private readonly codec: EnvelopeCodec;
  private readonly logger?: Logger;

  constructor(opts: BusOptions) {
    this.transport = opts.transport;
    this.origin = opts.origin;
    this.codec = new EnvelopeCodec(opts.sharedSecret, opts.origin, opts.now);
    this.logger = opts.logger;
  }

  publish<E extends BusEventName>(name: E, payload: BusEvents[E]): Promise<void> {
    const subject = `${SUBJECT_PREFIX}.evt.${name}`;
    return this.transport.publish(subject, this.codec.seal(subject, payload));
  }

  subscribe<E extends BusEventName>(
    name: E,
    handler: (payload: BusEvents[E], meta: EventMeta) => void,
  ): () => void {
    const subject = `${SUBJECT_PREFIX}.evt.${name}`;
    const seen = new Map<string, number>();
    return this.transport.subscribe(subject, (data) => {
      const e = this.codec.open(data, subject, seen);
      if ('dropped' in e) {
        this.logger?.warn({ subject, reason: e.dropped }, 'dropped bus message');
        return;
      }
      try {
        handler(e.payload as BusEvents[E], { origin: e.origin, ts: e.ts });
      } catch (err) {
        this.logger?.error({ err, subject }, 'bus event handler failed');
      }
    });
  }

  async request<R extends BusRequestName>(
    name: R,
    payload: BusRequests[R]['request'],
    timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  ): Promise<BusRequests[R]['reply']> {
    const subject = `${SUBJECT_PREFIX}.req.${name}`;
    const replySubject = `${subject}.reply`;
    const data = await this.transport.request(subject, this.codec.seal(subject, payload), timeoutMs);
    const e = this.codec.open(data, replySubject, new Map());
    if ('dropped' in e) throw new BusError(ERR_BUS_REMOTE, `reply to ${name} dropped: ${e.dropped}`);
    const body = e.payload as
      | { ok: true; value: BusRequests[R]['reply'] }
      | { ok: false; error: string; code?: string };
    if (!body.ok) throw new BusError(body.code ?? ERR_BUS_REMOTE, `${name} failed remotely: ${body.error}`);
    return body.value;
  }

  /** Answers requests; queue-grouped on NATS so one of several responders answers each. */
  handle<R extends BusRequestName>(
    name: R,
    handler: (payload: BusRequests[R]['request'], meta: EventMeta) => Promise<BusRequests[R]['reply']>,
  ): () => void {
    const subject = `${SUBJECT_PREFIX}.req.${name}`;
    const replySubject = `${subject}.reply`;
    const seen = new Map<string, number>();
    return this.transport.subscribe(
      subject,
      (data, reply) => {
        if (!reply) return;
        const e = this.codec.open(data, subject, seen);
        if ('dropped' in e) {
          this.logger?.warn({ subject, reason: e.dropped }, 'dropped bus request');
          return;
        }
        // A handler that throws synchronously must still answer, or the caller waits for its timeout.
        Promise.resolve()
          .then(() => handler(e.payload as BusRequests[R]['request'], { origin: e.origin, ts: e.ts }))
          .then(
            (value) => reply(this.codec.seal(replySubject, { ok: true, value })),
            (err: Error & { code?: string }) =>
              reply(this.codec.seal(replySubject, { ok: false, error: err.message, code: err.code })),
          );
      },
      { queue: subject },
    );
  }

  onReconnect(fn: () => void): () => void {
    return this.transport.onReconnect(fn);
  }

  ping(): Promise<void> {
    return this.transport.ping();
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
