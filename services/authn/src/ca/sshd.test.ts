import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort } from '../testing/ports.js';
import { loadUserCa, type UserCa } from './load.js';
import { mintUserCertificate, principalsFor } from './mint.js';

// OpenSSH's sshd is the reference verifier: a certificate it accepts is one any stock server accepts.
const canRunSshd = existsSync('/usr/sbin/sshd') && process.getuid?.() === 0;
const dir = mkdtempSync(join(tmpdir(), 'drawbridge-sshd-'));
let sshd: ChildProcess | undefined;
let port = 0;
const cas: Record<string, UserCa> = {};

function keygen(name: string, type: string): string {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', path]);
  return path;
}

before(async () => {
  if (!canRunSshd) return;
  // sshd needs its privilege-separation directory even in -D mode.
  mkdirSync('/run/sshd', { recursive: true });
  for (const t of ['ed25519', 'rsa', 'ecdsa']) cas[t] = await loadUserCa(keygen(`ca_${t}`, t));
  writeFileSync(
    join(dir, 'trusted_cas'),
    `${Object.values(cas)
      .map((c) => c.publicKeyLine)
      .join('\n')}\n`,
  );
  writeFileSync(join(dir, 'principals'), 'alice@example.com\n');
  const hostKey = keygen('host', 'ed25519');
  port = await freePort();
  const conf = join(dir, 'sshd_config');
  writeFileSync(
    conf,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `TrustedUserCAKeys ${join(dir, 'trusted_cas')}`,
      `AuthorizedPrincipalsFile ${join(dir, 'principals')}`,
      'AuthorizedKeysFile none',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin yes',
      'StrictModes no',
      'UsePAM no',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  sshd.stderr?.on('data', (d: Buffer) => {
    if (process.env.TEST_SSHD_LOG) process.stderr.write(d);
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = createConnection(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error('sshd did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
});

after(() => {
  sshd?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

function sshWithCert(certLine: string, key: string): number | null {
  const certFile = `${key}-cert.pub`;
  writeFileSync(certFile, `${certLine}\n`);
  const r = spawnSync(
    'ssh',
    [
      '-F',
      'none',
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'LogLevel=ERROR',
      '-o',
      `CertificateFile=${certFile}`,
      '-i',
      key,
      '-p',
      String(port),
      'root@127.0.0.1',
      'true',
    ],
    { encoding: 'utf8', timeout: 15_000 },
  );
  return r.status;
}

for (const caType of ['ed25519', 'rsa', 'ecdsa']) {
  test(`OpenSSH sshd with TrustedUserCAKeys accepts a certificate signed by an ${caType} CA`, {
    skip: !canRunSshd && 'needs root and /usr/sbin/sshd',
  }, () => {
    const key = keygen(`user_${caType}`, caType === 'rsa' ? 'rsa' : 'ed25519');
    const cert = mintUserCertificate(cas[caType] as UserCa, {
      publicKey: readFileSync(`${key}.pub`, 'utf8'),
      principals: principalsFor('alice@example.com'),
      keyId: 'drawbridge:alice@example.com:s1',
      validAfter: Date.now() - 60_000,
      validBefore: Date.now() + 600_000,
    });
    assert.equal(sshWithCert(cert, key), 0);
  });
}

test('OpenSSH sshd refuses an expired certificate and one for other principals', {
  skip: !canRunSshd && 'needs root and /usr/sbin/sshd',
}, () => {
  const key = keygen('user_neg', 'ed25519');
  const publicKey = readFileSync(`${key}.pub`, 'utf8');
  const expired = mintUserCertificate(cas.ed25519 as UserCa, {
    publicKey,
    principals: principalsFor('alice@example.com'),
    keyId: 'drawbridge:alice@example.com:old',
    validAfter: Date.now() - 7_200_000,
    validBefore: Date.now() - 3_600_000,
  });
  assert.equal(sshWithCert(expired, key), 255);
  const other = mintUserCertificate(cas.ed25519 as UserCa, {
    publicKey,
    principals: principalsFor('mallory@example.com'),
    keyId: 'drawbridge:mallory@example.com:s',
    validAfter: Date.now() - 60_000,
    validBefore: Date.now() + 600_000,
  });
  assert.equal(sshWithCert(other, key), 255);
});
