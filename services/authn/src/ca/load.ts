import { createPrivateKey, type KeyObject, sign } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import sshpk from 'sshpk';
import { AuthnError, ERR_USER_CA_INVALID, ERR_USER_CA_PERMISSIONS } from '../errors.js';
import { mpint, str } from '../lib/ssh-wire.js';

/** The SSH user CA: signs certificate bodies and names its public key. */
export interface UserCa {
  /** `ssh-ed25519`, `ssh-rsa` or `ecdsa-sha2-nistp256`/`384`/`521`. */
  readonly keyType: string;
  /** The CA public key in wire format (the certificate's `signature key`). */
  readonly publicBlob: Buffer;
  /** The CA public key as an OpenSSH line, for `TrustedUserCAKeys`. */
  readonly publicKeyLine: string;
  /** Signs `data` and returns an SSH signature blob (`string algo, string sig`). */
  sign(data: Buffer): Buffer;
}

const ECDSA_HASH: Record<string, string> = { nistp256: 'sha256', nistp384: 'sha384', nistp521: 'sha512' };

/** sshpk's PKCS#8 export of Ed25519 is not what OpenSSL reads, so Ed25519 goes through JWK. */
function toNodeKey(key: sshpk.PrivateKey): KeyObject {
  if (key.type !== 'ed25519') return createPrivateKey(key.toBuffer('pkcs8').toString());
  const parts = key.part as unknown as Record<string, { data: Buffer }>;
  const seed = parts.k?.data.subarray(0, 32);
  const pub = parts.A?.data;
  if (!seed || !pub) throw new Error('incomplete Ed25519 key');
  return createPrivateKey({
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      d: Buffer.from(seed).toString('base64url'),
      x: Buffer.from(pub).toString('base64url'),
    },
    format: 'jwk',
  });
}

/** Builds a UserCa from private key text (OpenSSH, PEM or PKCS#8; Ed25519, RSA or ECDSA). */
export function userCaFromPrivateKey(text: string, source = 'ssh_user_ca_key_file'): UserCa {
  let key: sshpk.PrivateKey;
  try {
    key = sshpk.parsePrivateKey(text, 'auto');
  } catch (err) {
    throw new AuthnError(
      ERR_USER_CA_INVALID,
      'User CA key unreadable',
      `${source} is not an unencrypted SSH private key (generate one with ssh-keygen -t ed25519 -N '' -f user_ca_key)`,
      { cause: err },
    );
  }
  const nodeKey = toNodeKey(key);
  const pub = key.toPublic();
  const publicBlob = pub.toBuffer('rfc4253');
  const publicKeyLine = pub.toString('ssh').split(' ').slice(0, 2).join(' ');
  const keyType = publicKeyLine.split(' ')[0] as string;

  let signBlob: (data: Buffer) => Buffer;
  if (key.type === 'ed25519') {
    signBlob = (data) => Buffer.concat([str('ssh-ed25519'), str(sign(null, data, nodeKey))]);
  } else if (key.type === 'rsa') {
    // rsa-sha2-512: OpenSSH refuses SHA-1 (`ssh-rsa`) certificate signatures by default since 8.8.
    signBlob = (data) => Buffer.concat([str('rsa-sha2-512'), str(sign('sha512', data, nodeKey))]);
  } else if (key.type === 'ecdsa') {
    const hash = ECDSA_HASH[key.curve ?? ''];
    if (!hash)
      throw new AuthnError(
        ERR_USER_CA_INVALID,
        'User CA key unsupported',
        `ECDSA curve ${key.curve} is not supported`,
      );
    signBlob = (data) => {
      const rs = sign(hash, data, { key: nodeKey, dsaEncoding: 'ieee-p1363' });
      const half = rs.length / 2;
      const inner = Buffer.concat([mpint(rs.subarray(0, half)), mpint(rs.subarray(half))]);
      return Buffer.concat([str(keyType), str(inner)]);
    };
  } else {
    throw new AuthnError(
      ERR_USER_CA_INVALID,
      'User CA key unsupported',
      `${source}: ${key.type} keys cannot sign SSH certificates`,
    );
  }
  return Object.freeze({ keyType, publicBlob, publicKeyLine, sign: signBlob });
}

/** Reads `ssh_user_ca_key_file`; throws DRAWBRIDGE_USER_CA_INVALID with what to do when it cannot. */
export async function loadUserCa(file: string): Promise<UserCa> {
  let text: string;
  try {
    // Whoever can read the CA key can mint certificates for anyone: refuse it as sshd refuses keys.
    const mode = (await stat(file)).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new AuthnError(
        ERR_USER_CA_PERMISSIONS,
        'User CA key exposed',
        `ssh_user_ca_key_file ${file} is accessible by group or others (mode ${mode.toString(8).padStart(4, '0')}); run chmod 600 ${file}`,
        { details: { file, mode } },
      );
    }
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof AuthnError) throw err;
    throw new AuthnError(
      ERR_USER_CA_INVALID,
      'User CA key missing',
      `cannot read ssh_user_ca_key_file ${file}`,
      {
        cause: err,
      },
    );
  }
  return userCaFromPrivateKey(text, file);
}
