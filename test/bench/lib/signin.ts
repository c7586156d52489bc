import { createHash } from 'node:crypto';
import type { Bus } from '@drawbridge/bus';
import { type Identity, randomId, type Session, sealSessionCookie } from '@drawbridge/protocol';
import type { Registry } from '@drawbridge/registry';

const DAY = 24 * 3_600_000;

/** The identity the seed config's policies allow. */
export function benchIdentity(email: string): Identity {
  return {
    sub: `bench-${email}`,
    email,
    name: email.split('@')[0],
    groups: ['developers'],
    claims: { email },
  };
}

/** A browser session as authn would store it after OIDC. */
export async function createSession(
  registry: Registry,
  identity: Identity,
  now = Date.now(),
): Promise<Session> {
  const session: Session = {
    id: randomId(),
    identity,
    createdAt: now,
    expiresAt: now + DAY,
    origin: 'browser',
  };
  await registry.putSession(session);
  return session;
}

/**
 * Approves a pending SSH sign-in exactly as authn's Authorize POST does after OIDC: session, atomic
 * resolve, key binding, `signin.resolved` event. Used where the bench cannot click in a browser.
 */
export async function approveSignin(
  registry: Registry,
  bus: Bus,
  userCode: string,
  identity: Identity,
): Promise<Session> {
  const session = await createSession(registry, identity);
  const resolved = await registry.resolveSignin(userCode, (p) => ({
    ...p,
    status: 'approved',
    identity,
    sessionId: session.id,
    remember: true,
  }));
  if (!resolved) throw new Error(`sign-in ${userCode} is not pending`);
  if (resolved.keyFingerprint) {
    await registry.bindKey({
      fingerprint: resolved.keyFingerprint,
      sessionId: session.id,
      identity,
      createdAt: Date.now(),
      expiresAt: session.expiresAt,
    });
  }
  await bus.publish('signin.resolved', { signin: resolved });
  return session;
}

/** Binds many public keys (wire blobs) to one session, as earlier sign-ins with "remember" would have. */
export async function bindKeys(registry: Registry, session: Session, keyBlobs: Buffer[]): Promise<void> {
  for (const blob of keyBlobs) {
    await registry.bindKey({
      fingerprint: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`,
      sessionId: session.id,
      identity: session.identity,
      createdAt: Date.now(),
      expiresAt: session.expiresAt,
    });
  }
}

/** The route-host cookie proxy-edge sets after `/.pomerium/callback`. */
export function routeCookie(cookieSecret: string, session: Session, host: string): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return sealSessionCookie(cookieSecret, {
    sid: session.id,
    host,
    iat,
    exp: Math.floor(session.expiresAt / 1000),
  });
}
