import { generateKeyPairSync } from 'node:crypto';
import sshpk from 'sshpk';

export type SshKeyType = 'ed25519' | 'rsa' | 'ecdsa';

export interface SshKeyPair {
  /** OpenSSH private key (`-----BEGIN OPENSSH PRIVATE KEY-----`). */
  privateKey: string;
  /** `ssh-ed25519 AAAA… comment` line. */
  publicKey: string;
}

/** Generates an SSH key pair without ssh-keygen, so `init` works on a machine with only Node. */
export function generateSshKey(type: SshKeyType, comment: string): SshKeyPair {
  const pem =
    type === 'ed25519'
      ? generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' })
      : type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey.export({
            type: 'pkcs1',
            format: 'pem',
          })
        : generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
            type: 'sec1',
            format: 'pem',
          });
  const key = sshpk.parsePrivateKey(pem.toString(), 'pem');
  key.comment = comment;
  return {
    privateKey: key.toString('openssh'),
    publicKey: `${key.toPublic().toString('ssh')}\n`,
  };
}
