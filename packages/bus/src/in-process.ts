import { BusError, ERR_BUS_NO_RESPONDER, ERR_BUS_TIMEOUT } from './errors.js';
import type { BusTransport, SubscribeOptions } from './transport.js';

type Handler = (data: Uint8Array, reply?: (data: Uint8Array) => void) => void;

interface Subscription {
  handler: Handler;
  queue?: string;
}

/** Delivers within one process: the all-in-one default. Deliveries are async, as over a network. */
export class InProcessTransport implements BusTransport {
  readonly kind = 'in-process' as const;
  private readonly subs = new Map<string, Set<Subscription>>();
  private turn = 0;

  /** Every plain subscriber, plus one member of each queue group (rotating, as NATS spreads them). */
  private targets(subject: string): Subscription[] {
    const out: Subscription[] = [];
    const groups = new Map<string, Subscription[]>();
    for (const s of this.subs.get(subject) ?? []) {
      if (s.queue === undefined) out.push(s);
      else groups.set(s.queue, [...(groups.get(s.queue) ?? []), s]);
    }
    for (const members of groups.values()) out.push(members[this.turn++ % members.length] as Subscription);
    return out;
  }

  async publish(subject: string, data: Uint8Array) {
    for (const s of this.targets(subject)) queueMicrotask(() => s.handler(data));
  }

  subscribe(subject: string, handler: Handler, opts: SubscribeOptions = {}) {
    let set = this.subs.get(subject);
    if (!set) {
      set = new Set();
      this.subs.set(subject, set);
    }
    const sub: Subscription = { handler, queue: opts.queue };
    set.add(sub);
    return () => {
      set.delete(sub);
    };
  }

  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const targets = this.targets(subject);
    if (targets.length === 0)
      return Promise.reject(new BusError(ERR_BUS_NO_RESPONDER, `no responder for ${subject}`));
    return new Promise((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        reject(new BusError(ERR_BUS_TIMEOUT, `request ${subject} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      for (const s of targets) {
        queueMicrotask(() =>
          s.handler(data, (reply) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            resolve(reply);
          }),
        );
      }
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
