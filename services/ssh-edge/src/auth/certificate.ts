import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { Identity } from '@drawbridge/protocol';
import ssh2 from 'ssh2';
import sshpk from 'sshpk';

/** What a valid Drawbridge user certificate says about its holder. */
export interface CertificateIdentity {
  email: string;
  /** Session id from a `drawbridge:<email>:<session id>` key id, when present. */
  sessionId?: string;
  keyId: string;
  principals: string[];
  validUntil: number;
  /** The certificate's subject key, the one that must have signed the userauth request. */
  subjectKey: string;
}

export type CertificateCheck = { ok: true; cert: CertificateIdentity } | { ok: false; reason: string };

/** True for the `…-cert-v01@openssh.com` algorithms a certificate is offered under. */
export function isCertificateAlgo(algo: string): boolean {
  return algo.endsWith('-cert-v01@openssh.com');
}

/** Reads the key(s) of `ssh_user_ca_key_file` (private or `.pub`); only public halves are kept. */
export function parseCaKeys(text: string): sshpk.Key[] {
  const trimmed = text.trim();
  if (trimmed.includes('PRIVATE KEY')) return [sshpk.parsePrivateKey(trimmed, 'auto').toPublic()];
  return trimmed
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => sshpk.parseKey(l, 'ssh'));
}

function innerAlgo(blob: Buffer): string {
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('ascii');
}

function sourceAllowed(list: string, clientIp: string): boolean {
  const bl = new BlockList();
  for (const raw of list.split(',')) {
    const entry = raw.trim();
    const [addr, bits] = entry.split('/');
    if (!addr) continue;
    const type = isIPv4(addr) ? 'ipv4' : isIPv6(addr) ? 'ipv6' : undefined;
    if (!type) return false;
    if (bits === undefined) bl.addAddress(addr, type);
    else bl.addSubnet(addr, Number(bits), type);
  }
  const ip = clientIp.replace(/^::ffff:/, '');
  return bl.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6');
}

/**
 * sshpk's `isSignedByKey` only compares the certificate's signature-key field with `ca` for OpenSSH
 * certificates — it never checks the signature — so anyone holding the (public) CA key could
 * forge one. Verify the CA signature here over the exact signed bytes of the blob.
 */
function signedByCa(blob: Buffer, cert: sshpk.Certificate, ca: sshpk.Key): boolean {
  if (!cert.isSignedByKey(ca)) return false;
  const sig = (cert.signatures as { openssh?: { signature?: sshpk.Signature } }).openssh?.signature;
  if (!sig) return false;
  try {
    // The signature is the blob's last field; everything before its length prefix is signed.
    const sigBlob = sig.toBuffer('ssh');
    const start = blob.length - sigBlob.length - 4;
    if (
      start <= 0 ||
      blob.readUInt32BE(start) !== sigBlob.length ||
      !blob.subarray(start + 4).equals(sigBlob)
    )
      return false;
    const verifier = ca.createVerify(sig.hashAlgorithm as sshpk.AlgorithmHashType | undefined);
    verifier.update(blob.subarray(0, start));
    return verifier.verify(sig) === true;
  } catch {
    return false;
  }
}

/**
 * Checks an OpenSSH user certificate the way sshd does with TrustedUserCAKeys: signed by one of
 * `caKeys`, a user certificate, valid at `now`, critical options understood and satisfied. ssh2
 * does none of this itself. The caller must still verify the userauth signature with `subjectKey`.
 */
export function checkUserCertificate(
  blob: Buffer,
  caKeys: sshpk.Key[],
  opts: { now: number; clientIp: string },
): CertificateCheck {
  let cert: sshpk.Certificate;
  try {
    // The blob's own algorithm name, not the userauth one (rsa-sha2-512-cert… vs ssh-rsa-cert…).
    cert = sshpk.parseCertificate(Buffer.from(`${innerAlgo(blob)} ${blob.toString('base64')}`), 'openssh');
  } catch (err) {
    return { ok: false, reason: `unparseable certificate: ${(err as Error).message}` };
  }
  if (!caKeys.some((ca) => signedByCa(blob, cert, ca)))
    return { ok: false, reason: 'not signed by the user CA' };
  if (cert.subjects.some((s) => s.type !== 'user')) return { ok: false, reason: 'not a user certificate' };
  const from = cert.validFrom.getTime();
  const until = cert.validUntil.getTime();
  if (opts.now < from) return { ok: false, reason: 'certificate not yet valid' };
  if (opts.now >= until) return { ok: false, reason: 'certificate expired' };
  const sig = (
    cert.signatures as {
      openssh?: { keyId?: string; exts?: Array<{ critical: boolean; name: string; data: Buffer }> };
    }
  ).openssh;
  for (const ext of sig?.exts ?? []) {
    if (!ext.critical) continue;
    if (ext.name === 'source-address') {
      // The option's value is an SSH string inside the data buffer.
      const value = ext.data.subarray(4, 4 + ext.data.readUInt32BE(0)).toString('utf8');
      if (!sourceAllowed(value, opts.clientIp))
        return { ok: false, reason: `source-address ${value} excludes ${opts.clientIp}` };
      continue;
    }
    // force-command and anything unknown: sshd refuses what it cannot honour, and so do we.
    return { ok: false, reason: `unsupported critical option ${ext.name}` };
  }
  // sshpk reports an empty principal list as '*'; a wildcard certificate names nobody.
  const principals = cert.subjects.map((s) => String(s.uid ?? '')).filter((p) => p && p !== '*');
  const keyId = sig?.keyId ?? '';
  const m = /^drawbridge:([^:]+):(.+)$/.exec(keyId);
  let email: string | undefined;
  let sessionId: string | undefined;
  if (m?.[1] && principals.includes(m[1])) {
    email = m[1];
    sessionId = m[2];
  } else {
    email = principals.find((p) => p.includes('@'));
  }
  if (!email) return { ok: false, reason: 'certificate names no email principal' };
  return {
    ok: true,
    cert: {
      email,
      sessionId,
      keyId,
      principals,
      validUntil: until,
      subjectKey: cert.subjectKey.toString('ssh'),
    },
  };
}

/** Verifies a userauth signature over `blob` with an OpenSSH public key line or wire blob. */
export function verifyUserauthSignature(
  publicKey: string | Buffer,
  blob: Buffer,
  signature: Buffer,
  hashAlgo?: string,
): boolean {
  const key = ssh2.utils.parseKey(publicKey);
  if (key instanceof Error) return false;
  const k = Array.isArray(key) ? key[0] : key;
  if (!k) return false;
  return k.verify(blob, signature, hashAlgo) === true;
}

/** Identity carried by a certificate when no live session adds more. */
export function identityFromCertificate(cert: CertificateIdentity): Identity {
  return {
    sub: cert.email,
    email: cert.email,
    groups: [],
    claims: { email: cert.email, ssh_key_id: cert.keyId },
  };
}
