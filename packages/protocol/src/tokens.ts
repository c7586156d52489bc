import { errors, jwtVerify, SignJWT } from 'jose';
import { DrawbridgeError, ERR_TOKEN_EXPIRED, ERR_TOKEN_INVALID } from './errors.js';
import { deriveKey, type KeyPurpose } from './keys.js';

const ISSUER = 'drawbridge';

export interface InternalTokenClaims {
  /** Who the token is for: `data-plane`, `authz`, a route host, … */
  aud: string;
  sub: string;
  /** Extra claims, e.g. the session id for a handoff. */
  [claim: string]: unknown;
}

/**
 * Signs a short-lived HS256 token with a key derived from `shared_secret` for `purpose`.
 * @example signInternalToken(secret, 'data-plane', { aud: 'data-plane', sub: tunnelId }, 30)
 */
export async function signInternalToken(
  sharedSecret: string,
  purpose: KeyPurpose,
  claims: InternalTokenClaims,
  ttlSeconds: number,
  now: number = Date.now(),
): Promise<string> {
  const { aud, sub, ...rest } = claims;
  const iat = Math.floor(now / 1000);
  return new SignJWT(rest)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(aud)
    .setSubject(sub)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .setJti(crypto.randomUUID())
    .sign(deriveKey(sharedSecret, purpose));
}

/** Verifies a token from `signInternalToken`; throws a DrawbridgeError for missing, expired or wrong-audience tokens. */
export async function verifyInternalToken(
  sharedSecret: string,
  purpose: KeyPurpose,
  token: string | undefined,
  audience: string,
  now: number = Date.now(),
): Promise<InternalTokenClaims & { jti: string; exp: number }> {
  if (!token) throw new DrawbridgeError(ERR_TOKEN_INVALID, 'missing token');
  try {
    const { payload } = await jwtVerify(token, deriveKey(sharedSecret, purpose), {
      issuer: ISSUER,
      audience,
      algorithms: ['HS256'],
      currentDate: new Date(now),
    });
    return payload as InternalTokenClaims & { jti: string; exp: number };
  } catch (err) {
    if (err instanceof errors.JWTExpired) {
      throw new DrawbridgeError(ERR_TOKEN_EXPIRED, 'token expired', { cause: err });
    }
    throw new DrawbridgeError(ERR_TOKEN_INVALID, 'token invalid', { cause: err });
  }
}
