import { hkdfSync } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';

/** A 32-byte key for one authn-private purpose, derived from `cookie_secret`. */
export function authnKey(cookieSecret: string, purpose: string): Uint8Array {
  const ikm = Buffer.from(cookieSecret, 'base64');
  return new Uint8Array(hkdfSync('sha256', ikm, 'drawbridge', `drawbridge/authn/${purpose}/v1`, 32));
}

/** Encrypts and authenticates a JSON value (JWE dir + A256GCM). */
export async function seal(key: Uint8Array, value: unknown): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(value)))
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .encrypt(key);
}

/** Opens a value from `seal`; undefined when missing, tampered or sealed with another key. */
export async function unseal<T>(key: Uint8Array, sealed: string | undefined): Promise<T | undefined> {
  if (!sealed) return undefined;
  try {
    const { plaintext } = await compactDecrypt(sealed, key);
    return JSON.parse(new TextDecoder().decode(plaintext)) as T;
  } catch {
    return undefined;
  }
}
