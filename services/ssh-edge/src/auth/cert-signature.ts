import { createRequire } from 'node:module';

// ssh2 strips the signature header only when its algorithm equals the userauth algorithm; for
// certificates the header names the plain algorithm (`ssh-ed25519`, `rsa-sha2-512`), so the blob
// arrives wrapped and, for ECDSA, still in SSH (r, s) form. ssh2's own converter handles that.
const require = createRequire(import.meta.url);
const { sigSSHToASN1 } = require('ssh2/lib/protocol/utils.js') as {
  sigSSHToASN1: (sig: Buffer, type: string) => Buffer | undefined;
};

/** Unwraps `string algo, string sig` and returns what `ParsedKey.verify` expects. */
export function unwrapCertificateSignature(
  signature: Buffer,
): { signature: Buffer; hashAlgo?: string } | undefined {
  if (signature.length < 8) return undefined;
  const algoLen = signature.readUInt32BE(0);
  if (algoLen > 64 || 4 + algoLen + 4 > signature.length) return undefined;
  const algo = signature.subarray(4, 4 + algoLen).toString('ascii');
  const sigLen = signature.readUInt32BE(4 + algoLen);
  const raw = signature.subarray(8 + algoLen, 8 + algoLen + sigLen);
  if (raw.length !== sigLen) return undefined;
  const hashAlgo = algo === 'rsa-sha2-256' ? 'sha256' : algo === 'rsa-sha2-512' ? 'sha512' : undefined;
  if (algo === 'ssh-rsa') return undefined; // SHA-1 signatures are not modern.
  const converted = sigSSHToASN1(raw, algo.startsWith('rsa-') ? 'ssh-rsa' : algo);
  return converted ? { signature: converted, hashAlgo } : undefined;
}
