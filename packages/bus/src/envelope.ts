import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { deriveKey } from '@drawbridge/protocol';

/** A signed message on the bus. `mac` covers every other field. */
export interface Envelope {
  v: 1;
  id: string;
  origin: string;
  ts: number;
  subject: string;
  payload: unknown;
  mac: string;
}

/** Messages older than this (or from this far in the future) are dropped as replays. */
export const MAX_MESSAGE_AGE_MS = 60_000;

function mac(key: Uint8Array, e: Omit<Envelope, 'mac'>): string {
  return createHmac('sha256', key)
    .update(`${e.v}\n${e.id}\n${e.origin}\n${e.ts}\n${e.subject}\n${JSON.stringify(e.payload)}`)
    .digest('base64url');
}

export class EnvelopeCodec {
  private readonly key: Uint8Array;

  constructor(
    sharedSecret: string,
    private readonly origin: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = deriveKey(sharedSecret, 'bus');
  }

  seal(subject: string, payload: unknown): Uint8Array {
    const body = { v: 1 as const, id: randomUUID(), origin: this.origin, ts: this.now(), subject, payload };
    return Buffer.from(JSON.stringify({ ...body, mac: mac(this.key, body) }));
  }

  /**
   * Returns the envelope, or a reason it was dropped (unsigned, forged, replayed, stale, for another
   * subject). `seen` is per subscription: in one process several subscribers get the same message.
   */
  open(data: Uint8Array, subject: string, seen: Map<string, number>): Envelope | { dropped: string } {
    let e: Envelope;
    try {
      e = JSON.parse(Buffer.from(data).toString('utf8')) as Envelope;
    } catch {
      return { dropped: 'not JSON' };
    }
    if (!e || typeof e !== 'object' || e.v !== 1 || typeof e.mac !== 'string') return { dropped: 'unsigned' };
    const { mac: given, ...body } = e;
    const expected = Buffer.from(mac(this.key, body));
    const actual = Buffer.from(given);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual))
      return { dropped: 'bad signature' };
    if (e.subject !== subject) return { dropped: `signed for ${e.subject}` };
    const now = this.now();
    if (Math.abs(now - e.ts) > MAX_MESSAGE_AGE_MS) return { dropped: 'stale' };
    if (seen.has(e.id)) return { dropped: 'replayed' };
    seen.set(e.id, e.ts);
    if (seen.size > 10_000) {
      for (const [id, ts] of seen) if (now - ts > MAX_MESSAGE_AGE_MS) seen.delete(id);
    }
    return e;
  }
}
