import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { checkUserCertificate, parseCaKeys } from './certificate.js';

const dir = mkdtempSync(join(tmpdir(), 'drawbridge-cert-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const keygen = (name: string) => {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, name)]);
  return join(dir, name);
};
const sign = (ca: string, key: string, extra: string[]) => {
  execFileSync('ssh-keygen', ['-q', '-s', ca, ...extra, `${key}.pub`]);
  const [, b64] = readFileSync(`${key}-cert.pub`, 'utf8').split(' ');
  return Buffer.from(b64 ?? '', 'base64');
};

const ca = keygen('ca');
const caKeys = parseCaKeys(readFileSync(ca, 'utf8'));
const now = Date.now();

test('a certificate minted like authn does yields email and session id', () => {
  const blob = sign(ca, keygen('u1'), [
    '-I',
    'drawbridge:alice@example.com:sid-1',
    '-n',
    'alice@example.com',
    '-V',
    '+1h',
  ]);
  const r = checkUserCertificate(blob, caKeys, { now, clientIp: '127.0.0.1' });
  assert.ok(r.ok);
  assert.equal(r.cert.email, 'alice@example.com');
  assert.equal(r.cert.sessionId, 'sid-1');
  assert.match(r.cert.subjectKey, /^ssh-ed25519 /);
});

test('refuses other CAs, expiry, force-command, foreign source-address and a key id naming someone else', () => {
  const other = keygen('other');
  const check = (blob: Buffer, ip = '127.0.0.1') => checkUserCertificate(blob, caKeys, { now, clientIp: ip });
  const id = ['-I', 'drawbridge:alice@example.com:s', '-n', 'alice@example.com'];
  assert.deepEqual(check(sign(other, keygen('u2'), [...id, '-V', '+1h'])), {
    ok: false,
    reason: 'not signed by the user CA',
  });
  assert.deepEqual(check(sign(ca, keygen('u3'), [...id, '-V', '20200101:20200102'])), {
    ok: false,
    reason: 'certificate expired',
  });
  const forced = check(sign(ca, keygen('u4'), [...id, '-V', '+1h', '-O', 'force-command=/bin/true']));
  assert.equal(forced.ok, false);
  const src = sign(ca, keygen('u5'), [...id, '-V', '+1h', '-O', 'source-address=10.0.0.0/8']);
  assert.equal(check(src).ok, false);
  assert.equal(check(src, '10.1.2.3').ok, true);
  const mismatch = check(
    sign(ca, keygen('u6'), ['-I', 'drawbridge:mallory@example.com:s', '-n', 'bob', '-V', '+1h']),
  );
  assert.deepEqual(mismatch, { ok: false, reason: 'certificate names no email principal' });
});
