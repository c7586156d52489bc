import { CompactEncrypt, compactDecrypt } from 'jose';
import { DrawbridgeError, ERR_COOKIE_INVALID } from './errors.js';
import { deriveKey } from './keys.js';

/** Pomerium's cookie name, so browser tooling and docs match. */
export const SESSION_COOKIE_NAME = '_pomerium';

export interface SessionCookie {
  /** Session id in the registry. */
  sid: string;
  /** The host the cookie was issued for; a cookie replayed on another host is refused. */
  host: string;
  iat: number;
  exp: number;
}

/** Encrypts and authenticates (A256GCM) a session cookie with a key derived from `cookie_secret`. */
export async function sealSessionCookie(cookieSecret: string, value: SessionCookie): Promise<string> {
  const plaintext = new TextEncoder().encode(JSON.stringify(value));
  return new CompactEncrypt(plaintext)
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .encrypt(deriveKey(cookieSecret, 'session-cookie'));
}

/** Opens a cookie from `sealSessionCookie`; throws DRAWBRIDGE_COOKIE_INVALID when tampered, expired or for another host. */
export async function openSessionCookie(
  cookieSecret: string,
  sealed: string | undefined,
  host: string,
  now: number = Date.now(),
): Promise<SessionCookie> {
  if (!sealed) throw new DrawbridgeError(ERR_COOKIE_INVALID, 'no session cookie');
  let value: SessionCookie;
  try {
    const { plaintext } = await compactDecrypt(sealed, deriveKey(cookieSecret, 'session-cookie'));
    value = JSON.parse(new TextDecoder().decode(plaintext)) as SessionCookie;
  } catch (err) {
    throw new DrawbridgeError(ERR_COOKIE_INVALID, 'session cookie cannot be decrypted', { cause: err });
  }
  if (typeof value.sid !== 'string' || typeof value.exp !== 'number') {
    throw new DrawbridgeError(ERR_COOKIE_INVALID, 'session cookie is malformed');
  }
  if (value.host !== host)
    throw new DrawbridgeError(ERR_COOKIE_INVALID, 'session cookie was issued for another host');
  if (value.exp * 1000 <= now) throw new DrawbridgeError(ERR_COOKIE_INVALID, 'session cookie expired');
  return value;
}
