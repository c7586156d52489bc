import { randomBytes, scryptSync } from 'node:crypto';

/** A password a person can type: 4 groups of 5 base32-ish characters. */
export function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(20);
  let out = '';
  for (let i = 0; i < 20; i++) {
    if (i > 0 && i % 5 === 0) out += '-';
    out += alphabet[(bytes[i] as number) % alphabet.length];
  }
  return out;
}

/** `scrypt$<salt b64>$<hash b64>`, the format `dev_idp.users[].password_hash` takes. */
export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}
