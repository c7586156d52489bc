import { sign } from 'node:crypto';
import type { Identity } from '@drawbridge/protocol';
import type { IdentitySigningKey } from './signing-key.js';

/** Lifetime of an identity assertion; cached per session and host until a minute before expiry. */
export const DEFAULT_ASSERTION_TTL_SECONDS = 300;
const REFRESH_BEFORE_SECONDS = 60;
const MAX_CACHED = 10_000;

export interface AssertionSubject {
  sessionId: string;
  identity: Identity;
}

/**
 * Signs `X-Pomerium-Jwt-Assertion` values (ES256: iss, aud, sub, email, groups, name, iat, exp).
 * Signing costs ~50 µs, so one token per session and route host is reused until it nears expiry.
 */
export class IdentityAssertions {
  private readonly cache = new Map<string, { token: string; refreshAt: number }>();
  private readonly header: string;

  constructor(
    private readonly key: IdentitySigningKey,
    private readonly now: () => number,
    private readonly ttlSeconds = DEFAULT_ASSERTION_TTL_SECONDS,
  ) {
    this.header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: key.kid })).toString(
      'base64url',
    );
  }

  /** The assertion for `subject` visiting `audience` (the route host), issued by `issuer` (the authenticate host). */
  get(subject: AssertionSubject, audience: string, issuer: string): string {
    const cacheKey = `${subject.sessionId}\u0000${audience}`;
    const nowSec = Math.floor(this.now() / 1000);
    const hit = this.cache.get(cacheKey);
    if (hit && hit.refreshAt > nowSec) return hit.token;
    const id = subject.identity;
    const claims = {
      iss: issuer,
      aud: audience,
      sub: id.sub,
      email: id.email,
      groups: id.groups,
      ...(id.name === undefined ? {} : { name: id.name }),
      iat: nowSec,
      exp: nowSec + this.ttlSeconds,
    };
    const input = `${this.header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const sig = sign('sha256', Buffer.from(input), { key: this.key.privateKey, dsaEncoding: 'ieee-p1363' });
    const token = `${input}.${sig.toString('base64url')}`;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(cacheKey, { token, refreshAt: nowSec + this.ttlSeconds - REFRESH_BEFORE_SECONDS });
    return token;
  }

  /** Forgets tokens of a session (revoked or changed identity). */
  forgetSession(sessionId: string): void {
    const prefix = `${sessionId}\u0000`;
    for (const k of this.cache.keys()) if (k.startsWith(prefix)) this.cache.delete(k);
  }

  /** The JWKS document every route host serves. */
  jwks(): { keys: IdentitySigningKey['publicJwk'][] } {
    return { keys: [this.key.publicJwk] };
  }
}
