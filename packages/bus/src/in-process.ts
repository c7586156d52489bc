import { BusError, ERR_BUS_NO_RESPONDER, ERR_BUS_TIMEOUT } from './errors.js';
import type { BusTransport } from './transport.js';

type Handler = (data: Uint8Array, reply?: (data: Uint8Array) => void) => void;

/** Delivers within one process: the all-in-one default. Deliveries are async, as over a network. */
export class InProcessTransport implements BusTransport {
  readonly kind = 'in-process' as const;
  private readonly subs = new Map<string, Set<Handler>>();

  async publish(subject: string, data: Uint8Array) {
    for (const h of this.subs.get(subject) ?? []) queueMicrotask(() => h(data));
  }

  subscribe(subject: string, handler: Handler) {
    let set = this.subs.get(subject);
    if (!set) {
      set = new Set();
      this.subs.set(subject, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const handler = [...(this.subs.get(subject) ?? [])][0];
    if (!handler) return Promise.reject(new BusError(ERR_BUS_NO_RESPONDER, `no responder for ${subject}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new BusError(ERR_BUS_TIMEOUT, `request ${subject} timed out`)), timeoutMs);
      queueMicrotask(() =>
        handler(data, (reply) => {
          clearTimeout(timer);
          resolve(reply);
        }),
      );
    });
  }

  onReconnect() {
    return () => {};
  }

  async ping() {}

  async close() {
    this.subs.clear();
  }
}
