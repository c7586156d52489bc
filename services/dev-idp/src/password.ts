import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { DevIdpError, ERR_DEV_IDP_BAD_PASSWORD_HASH } from './errors.js';

const PREFIX = 'scrypt';
const SALT_BYTES = 16;
const HASH_BYTES = 32;

/**
 * Hashes a password into the `scrypt$<salt b64>$<hash b64>` form `dev_idp.users[].password_hash` takes
 * (Node's default scrypt cost, N=16384, r=8, p=1).
 * @example hashPassword('correct horse') // 'scrypt$…$…'
 */
export function hashPassword(password: string): string {
  const salt = randomBytes(SALT_BYTES);
  const hash = scryptSync(password, salt, HASH_BYTES);
  return `${PREFIX}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Splits a stored hash; throws DRAWBRIDGE_DEV_IDP_BAD_PASSWORD_HASH when it is not one of ours. */
function parseHash(stored: string): { salt: Buffer; hash: Buffer } {
  const [prefix, salt, hash] = stored.split('$');
  if (prefix !== PREFIX || !salt || !hash) {
    throw new DevIdpError(
      ERR_DEV_IDP_BAD_PASSWORD_HASH,
      'password_hash must look like scrypt$<salt b64>$<hash b64>',
    );
  }
  return { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
}

/** True when `password` matches a hash from `hashPassword`; compares in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const { salt, hash } = parseHash(stored);
  if (hash.length === 0) return false;
  const candidate = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, hash.length, (err, key) => (err ? reject(err) : resolve(key))),
  );
  return timingSafeEqual(candidate, hash);
}
