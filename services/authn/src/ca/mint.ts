import { randomBytes } from 'node:crypto';
import sshpk from 'sshpk';
import { AuthnError, ERR_PUBLIC_KEY_INVALID } from '../errors.js';
import { str, u32, u64, WireReader } from '../lib/ssh-wire.js';
import type { UserCa } from './load.js';

/** Extensions every Drawbridge user certificate carries (what `ssh -R` and a shell need). */
export const DEFAULT_CERT_EXTENSIONS = ['permit-port-forwarding', 'permit-pty'] as const;
/** Certificates start this much before "now" so a slightly slow server clock still accepts them. */
export const CERT_BACKDATE_MS = 60_000;

const CERT_TYPES: Record<string, string> = {
  'ssh-ed25519': 'ssh-ed25519-cert-v01@openssh.com',
  'ssh-rsa': 'ssh-rsa-cert-v01@openssh.com',
  'ecdsa-sha2-nistp256': 'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'ecdsa-sha2-nistp384': 'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521': 'ecdsa-sha2-nistp521-cert-v01@openssh.com',
};

/** A user public key parsed from an OpenSSH line. */
export interface UserPublicKey {
  keyType: string;
  blob: Buffer;
  /** `SHA256:…`, as `ssh-keygen -l` prints it. */
  fingerprint: string;
}

/** Parses an OpenSSH public key line; throws DRAWBRIDGE_PUBLIC_KEY_INVALID for certificates and unsupported types. */
export function parseUserPublicKey(line: string): UserPublicKey {
  const parts = line.trim().split(/\s+/);
  const keyType = parts[0] ?? '';
  if (!CERT_TYPES[keyType] || !parts[1]) {
    throw new AuthnError(
      ERR_PUBLIC_KEY_INVALID,
      'Unsupported public key',
      'public_key must be an OpenSSH ed25519, rsa or ecdsa public key line (the contents of ~/.ssh/id_ed25519.pub)',
    );
  }
  try {
    const key = sshpk.parseKey(`${keyType} ${parts[1]}`, 'ssh');
    const blob = key.toBuffer('rfc4253');
    if (key.type === 'rsa' && key.size < 2048) throw new Error('RSA keys must have at least 2048 bits');
    return { keyType, blob, fingerprint: key.fingerprint('sha256').toString() };
  } catch (err) {
    throw new AuthnError(
      ERR_PUBLIC_KEY_INVALID,
      'Invalid public key',
      `public_key cannot be parsed: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/** What goes into one certificate. Times are ms since epoch. */
export interface CertificateRequest {
  publicKey: string;
  principals: string[];
  keyId: string;
  validAfter: number;
  validBefore: number;
  extensions?: readonly string[];
}

/**
 * Mints an OpenSSH user certificate (PROTOCOL.certkeys) signed by the user CA.
 * @example mintUserCertificate(ca, { publicKey, principals: ['alice'], keyId: 'drawbridge:alice@x:sid', validAfter, validBefore })
 */
export function mintUserCertificate(ca: UserCa, req: CertificateRequest): string {
  const key = parseUserPublicKey(req.publicKey);
  const certType = CERT_TYPES[key.keyType] as string;
  const reader = new WireReader(key.blob);
  reader.string();
  const keyFields = reader.rest();
  const extensions = [...(req.extensions ?? DEFAULT_CERT_EXTENSIONS)].sort();
  const body = Buffer.concat([
    str(certType),
    str(randomBytes(32)),
    keyFields,
    u64(randomBytes(8).readBigUInt64BE()),
    u32(1), // SSH_CERT_TYPE_USER
    str(req.keyId),
    str(Buffer.concat(req.principals.map((p) => str(p)))),
    u64(BigInt(Math.floor(req.validAfter / 1000))),
    u64(BigInt(Math.floor(req.validBefore / 1000))),
    str(Buffer.alloc(0)), // critical options: none
    str(Buffer.concat(extensions.flatMap((e) => [str(e), str(Buffer.alloc(0))]))),
    str(Buffer.alloc(0)), // reserved
    str(ca.publicBlob),
  ]);
  const cert = Buffer.concat([body, str(ca.sign(body))]);
  return `${certType} ${cert.toString('base64')} ${req.keyId}`;
}

/** Principals for an identity: the email and its local part, as `ssh user@host` logins expect. */
export function principalsFor(email: string): string[] {
  const local = email.split('@')[0] ?? email;
  return local && local !== email ? [email, local] : [email];
}
