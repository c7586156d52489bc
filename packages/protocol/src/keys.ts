import { hkdfSync } from 'node:crypto';

/** Purposes a key is derived for; one secret never signs two kinds of thing. */
export type KeyPurpose =
  | 'data-plane'
  | 'handoff'
  | 'internal-api'
  | 'bus'
  | 'session-cookie'
  | 'csrf'
  | 'identity-jwt-seed';

/** Derives a 32-byte key for one purpose from a base64 secret (HKDF-SHA256). */
export function deriveKey(secretBase64: string, purpose: KeyPurpose): Uint8Array {
  const ikm = Buffer.from(secretBase64, 'base64');
  return new Uint8Array(hkdfSync('sha256', ikm, 'drawbridge', `drawbridge/${purpose}/v1`, 32));
}
