import { createECDH, createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { deriveKey } from '@drawbridge/protocol';

/** Order of the P-256 group: a private scalar must lie in [1, n-1]. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** The public half as a JWK, as served in `/.well-known/pomerium/jwks.json`. */
export interface IdentityPublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

export interface IdentitySigningKey {
  privateKey: KeyObject;
  publicJwk: IdentityPublicJwk;
  kid: string;
}

/**
 * Derives the ES256 key that signs `X-Pomerium-Jwt-Assertion` from `shared_secret`, so every
 * proxy-edge replica signs with the same key and upstreams can verify against any replica's JWKS.
 */
export function deriveIdentitySigningKey(sharedSecret: string): IdentitySigningKey {
  const seed = deriveKey(sharedSecret, 'identity-jwt-seed');
  const scalar = (BigInt(`0x${Buffer.from(seed).toString('hex')}`) % (P256_ORDER - 1n)) + 1n;
  const d = Buffer.from(scalar.toString(16).padStart(64, '0'), 'hex');
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const pub = ecdh.getPublicKey(null, 'uncompressed');
  const x = pub.subarray(1, 33).toString('base64url');
  const y = pub.subarray(33, 65).toString('base64url');
  // RFC 7638 thumbprint: members in lexicographic order, no whitespace.
  const kid = createHash('sha256')
    .update(`{"crv":"P-256","kty":"EC","x":"${x}","y":"${y}"}`)
    .digest('base64url');
  const privateKey = createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', x, y, d: d.toString('base64url') },
    format: 'jwk',
  });
  return { privateKey, kid, publicJwk: { kty: 'EC', crv: 'P-256', x, y, kid, alg: 'ES256', use: 'sig' } };
}
