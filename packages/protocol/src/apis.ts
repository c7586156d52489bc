import type { Duplex } from 'node:stream';
import type { Decision, EvaluateRequest, PendingSignin, TunnelRecord } from './types.js';

/** What ssh-edge needs from authn. All-in-one passes authn's object; distributed, a client over HTTP. */
export interface AuthnApi {
  /** Creates a pending sign-in and returns it (with its user code and sign-in URL). */
  createSignin(req: {
    keyFingerprint?: string;
    publicKey?: string;
    clientAddress: string;
    sshUsername: string;
    edgeId: string;
  }): Promise<{ signin: PendingSignin; url: string }>;
  /** Resolves when the sign-in is approved, denied or expired (or `signal` aborts). */
  awaitSignin(userCode: string, signal?: AbortSignal): Promise<PendingSignin>;
}

/** Policy decisions. All-in-one: a direct call; distributed: bus request/reply. */
export interface AuthzApi {
  evaluate(req: EvaluateRequest): Promise<Decision>;
}

/** Opens a byte stream to the local service behind a tunnel, wherever the tunnel lives. */
export interface TunnelDialer {
  dial(tunnel: TunnelRecord, meta: { remoteAddress?: string; remotePort?: number }): Promise<Duplex>;
}
