import { createHash } from 'node:crypto';

/** OpenSSH's `SHA256:<base64, no padding>` fingerprint of a public key wire blob. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** `<algo> <base64>` line for a public key wire blob. */
export function publicKeyLine(algo: string, keyBlob: Buffer): string {
  const len = keyBlob.readUInt32BE(0);
  const inner = keyBlob.subarray(4, 4 + len).toString('ascii') || algo;
  return `${inner} ${keyBlob.toString('base64')}`;
}
