import type { Duplex } from 'node:stream';
import type { Decision, EvaluateRequest, TunnelRecord } from './types.js';

/** Policy decisions. All-in-one: a direct call; distributed: bus request/reply. */
export interface AuthzApi {
  evaluate(req: EvaluateRequest): Promise<Decision>;
}

/** Opens a byte stream to the local service behind a tunnel, wherever the tunnel lives. */
export interface TunnelDialer {
  dial(tunnel: TunnelRecord, meta: { remoteAddress?: string; remotePort?: number }): Promise<Duplex>;
}
