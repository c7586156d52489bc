import type { Bus } from '@drawbridge/bus';
import type { PendingSignin, Session } from '@drawbridge/protocol';
import type { Registry } from '@drawbridge/registry';
import type { UserCa } from '../ca/load.js';
import { mintUserCertificate, principalsFor } from '../ca/mint.js';
import { AuthnError, ERR_SIGNIN_EXPIRED, ERR_SIGNIN_NOT_FOUND, ERR_SIGNIN_USED } from '../errors.js';

const USER_CODE = /^[A-Za-z0-9_-]{22}$/;

/** Loads a sign-in that can still be decided; throws 404/410-class AuthnErrors otherwise. */
export async function lookupPending(
  registry: Registry,
  code: string | undefined,
  now: number,
): Promise<PendingSignin> {
  const notFound = () =>
    new AuthnError(
      ERR_SIGNIN_NOT_FOUND,
      'Sign-in link not valid',
      'This sign-in link is not valid. Copy the whole URL from your terminal, or run the ssh command again for a new one.',
    );
  if (!code || !USER_CODE.test(code)) throw notFound();
  const p = await registry.getSignin(code);
  if (!p) throw notFound();
  if (p.status === 'expired' || (p.status === 'pending' && p.expiresAt <= now)) {
    throw new AuthnError(
      ERR_SIGNIN_EXPIRED,
      'Sign-in link expired',
      'This sign-in link has expired. Run the ssh command again for a new one.',
    );
  }
  if (p.status !== 'pending') {
    throw new AuthnError(
      ERR_SIGNIN_USED,
      'Sign-in link already used',
      `This sign-in link was already used (${p.status}). Each link works once; run the ssh command again if you need a new one.`,
    );
  }
  return p;
}

export interface DecideDeps {
  registry: Registry;
  bus: Bus;
  ca: () => UserCa | undefined;
  certificateTtlMs: number;
  now: number;
}

/**
 * Resolves a pending sign-in exactly once: approved (identity, session, certificate, key binding when
 * remembered) or denied; publishes `signin.resolved` for the waiting ssh-edge.
 */
export async function decideSignin(
  deps: DecideDeps,
  input: { userCode: string; session: Session; approve: boolean; remember: boolean },
): Promise<PendingSignin> {
  const { registry, now } = deps;
  const pending = await lookupPending(registry, input.userCode, now);
  const { session } = input;
  let certificate: string | undefined;
  const ca = deps.ca();
  if (input.approve && pending.publicKey && ca) {
    certificate = mintUserCertificate(ca, {
      publicKey: pending.publicKey,
      principals: principalsFor(session.identity.email),
      keyId: `drawbridge:${session.identity.email}:${session.id}`,
      validAfter: now - 60_000,
      validBefore: Math.min(session.expiresAt, now + deps.certificateTtlMs),
    });
  }
  const resolved = await registry.resolveSignin(input.userCode, (p) => {
    if (p.expiresAt <= now) return { ...p, status: 'expired', reason: 'the sign-in link expired' };
    if (!input.approve)
      return { ...p, status: 'denied', reason: 'denied in the browser', identity: session.identity };
    return {
      ...p,
      status: 'approved',
      identity: session.identity,
      sessionId: session.id,
      certificate,
      remember: input.remember,
    };
  });
  if (!resolved) {
    throw new AuthnError(
      ERR_SIGNIN_USED,
      'Sign-in link already used',
      'This sign-in link was decided in another tab or window already.',
    );
  }
  if (resolved.status === 'approved' && resolved.remember && resolved.keyFingerprint) {
    await registry.bindKey({
      fingerprint: resolved.keyFingerprint,
      sessionId: session.id,
      identity: session.identity,
      createdAt: now,
      expiresAt: session.expiresAt,
    });
  }
  await deps.bus.publish('signin.resolved', { signin: resolved });
  if (resolved.status === 'expired') {
    throw new AuthnError(
      ERR_SIGNIN_EXPIRED,
      'Sign-in link expired',
      'This sign-in link has expired. Run the ssh command again for a new one.',
    );
  }
  return resolved;
}
