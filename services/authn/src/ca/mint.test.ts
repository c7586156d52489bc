import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadUserCa } from './load.js';
import { mintUserCertificate, principalsFor } from './mint.js';

const dir = mkdtempSync(join(tmpdir(), 'drawbridge-ca-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function keygen(name: string, type: string): string {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', path]);
  return path;
}

const user = keygen('user', 'ed25519');

for (const caType of ['ed25519', 'rsa', 'ecdsa']) {
  test(`ssh-keygen -L reads a certificate signed by an ${caType} CA with principals, key id and validity`, async () => {
    const ca = await loadUserCa(keygen(`ca_${caType}`, caType));
    const start = Date.UTC(2030, 0, 2, 3, 4, 0);
    const certLine = mintUserCertificate(ca, {
      publicKey: readFileSync(`${user}.pub`, 'utf8'),
      principals: principalsFor('alice@example.com'),
      keyId: 'drawbridge:alice@example.com:sid123',
      validAfter: start,
      validBefore: start + 3_600_000,
    });
    const certFile = join(dir, `user-${caType}-cert.pub`);
    writeFileSync(certFile, `${certLine}\n`);
    const out = execFileSync('ssh-keygen', ['-L', '-f', certFile], {
      encoding: 'utf8',
      env: { ...process.env, TZ: 'UTC' },
    });
    assert.match(out, /Type: ssh-ed25519-cert-v01@openssh.com user certificate/);
    assert.match(out, /Key ID: "drawbridge:alice@example.com:sid123"/);
    assert.match(out, /Valid: from 2030-01-02T03:04:00 to 2030-01-02T04:04:00/);
    assert.match(out, /Principals: \n\s+alice@example.com\n\s+alice\n/);
    assert.match(out, /permit-port-forwarding/);
    assert.match(out, /permit-pty/);
    assert.doesNotMatch(out, /permit-X11-forwarding/);
    const caFp = execFileSync('ssh-keygen', ['-l', '-f', join(dir, `ca_${caType}.pub`)], {
      encoding: 'utf8',
    }).split(' ')[1];
    assert.ok(out.includes(`Signing CA: `) && out.includes(caFp as string), 'signed by the configured CA');
  });
}
