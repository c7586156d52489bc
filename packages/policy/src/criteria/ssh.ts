import { createHash } from 'node:crypto';
import { describeValue, scalarToString } from '../lib/describe.js';
import { compileStringMatcher, parseStringMatcher, STRING_MATCHERS } from '../lib/string-matcher.js';
import { defineCriterion } from './definition.js';

/** `ssh_username` — string matcher on the username the SSH client asked for; false for HTTP. */
export const sshUsername = defineCriterion({
  name: 'ssh_username',
  subPath: 'none',
  needsIdentity: false,
  matchers: STRING_MATCHERS,
  parse: (v, path, issues) => parseStringMatcher(v, path, issues, 'ssh_username'),
  compile: (spec) => {
    const m = compileStringMatcher(spec, 'none');
    return (input) => input.ssh !== undefined && m(input.ssh.username);
  },
});

/** `ssh_username_from_email: true` — the SSH username equals the local part of the user's email. */
export const sshUsernameFromEmail = defineCriterion<true>({
  name: 'ssh_username_from_email',
  subPath: 'none',
  needsIdentity: true,
  matchers: [],
  parse: () => true,
  compile: () => (input) => {
    const e = input.identity?.email;
    if (input.ssh === undefined || typeof e !== 'string') return false;
    const at = e.indexOf('@');
    return at > 0 && e.slice(0, at) === input.ssh.username;
  },
});

interface KeySpec {
  /** `<algo> <base64>` of each allowed key (comments dropped). */
  keys: Set<string>;
  /** `SHA256:…` fingerprints of the same keys, plus any given directly. */
  fingerprints: Set<string>;
  /** Some keys were given only as fingerprints, so a key-only input must be hashed to compare. */
  byFingerprintOnly: boolean;
}

/** `ssh-ed25519 AAAA… comment` → `ssh-ed25519 AAAA…` (options before the key type are skipped). */
function keyLine(line: string): string | undefined {
  const parts = line.trim().split(/\s+/);
  const i = parts.findIndex((p) => /^(ssh|ecdsa|sk)-[\w@.-]+$/.test(p));
  const blob = i >= 0 ? parts[i + 1] : undefined;
  if (i < 0 || !blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return undefined;
  return `${parts[i]} ${blob}`;
}

function fingerprintOf(line: string): string {
  const blob = Buffer.from(line.split(' ')[1] ?? '', 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** `ssh_publickey` — one authorized_keys line or `SHA256:` fingerprint, or a list of them. */
export const sshPublicKey = defineCriterion<KeySpec>({
  name: 'ssh_publickey',
  subPath: 'none',
  needsIdentity: false,
  matchers: [],
  parse: (value, path, issues) => {
    const list = Array.isArray(value) ? value : [value];
    const spec: KeySpec = { keys: new Set(), fingerprints: new Set(), byFingerprintOnly: false };
    let ok = list.length > 0;
    if (!ok) issues.push({ path, message: 'ssh_publickey needs at least one key' });
    list.forEach((item, i) => {
      const s = scalarToString(item)?.trim();
      const at = Array.isArray(value) ? [...path, i] : path;
      if (s?.startsWith('SHA256:')) {
        spec.fingerprints.add(s);
        spec.byFingerprintOnly = true;
        return;
      }
      const line = s === undefined ? undefined : keyLine(s);
      if (!line) {
        issues.push({
          path: at,
          message: `ssh_publickey needs an authorized_keys line or SHA256: fingerprint, got ${describeValue(item)}`,
          hint: 'paste the line from ~/.ssh/id_ed25519.pub',
        });
        ok = false;
        return;
      }
      spec.keys.add(line);
      spec.fingerprints.add(fingerprintOf(line));
    });
    return ok ? spec : undefined;
  },
  compile:
    ({ keys, fingerprints, byFingerprintOnly }) =>
    (input) => {
      const ssh = input.ssh;
      if (ssh === undefined) return false;
      if (ssh.publicKeyFingerprint !== undefined && fingerprints.has(ssh.publicKeyFingerprint)) return true;
      if (ssh.publicKey === undefined) return false;
      const line = keyLine(ssh.publicKey);
      if (line === undefined) return false;
      if (keys.has(line)) return true;
      return (
        byFingerprintOnly && ssh.publicKeyFingerprint === undefined && fingerprints.has(fingerprintOf(line))
      );
    },
});
