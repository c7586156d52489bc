// Properties over ssh-edge's certificate check (what it runs on every certificate a client offers):
// random blobs and bit-flipped real certificates are refused with a reason, never an exception.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import {
  checkUserCertificate,
  parseCaKeys,
  verifyUserauthSignature,
} from '../../services/ssh-edge/src/auth/certificate.js';
import { newClientKey, tempDir } from '../kit/index.js';

const tmp = tempDir('drawbridge-fuzz-cert-');
after(() => tmp.cleanup());
const ca = newClientKey(tmp.path, 'ed25519', 'ca');
const user = newClientKey(tmp.path, 'ed25519', 'user');
// A real certificate as authn would mint it (principal = email, key id drawbridge:<email>:<session>).
execFileSync('ssh-keygen', [
  '-q',
  '-s',
  ca,
  '-I',
  'drawbridge:alice@example.com:s1',
  '-n',
  'alice@example.com',
  '-V',
  '-5m:+1h',
  `${user}.pub`,
]);
const certBlob = Buffer.from(readFileSync(`${user}-cert.pub`, 'utf8').split(' ')[1] as string, 'base64');
const caKeys = parseCaKeys(readFileSync(`${ca}.pub`, 'utf8'));
const opts = { now: Date.now(), clientIp: '127.0.0.1' };

function refusedOrValid(blob: Buffer): boolean {
  const res = checkUserCertificate(blob, caKeys, opts);
  if (!res.ok) assert.equal(typeof res.reason, 'string');
  return true;
}

test('the unmodified certificate passes (so the properties below test a working check)', () => {
  const res = checkUserCertificate(certBlob, caKeys, opts);
  assert.ok(res.ok, JSON.stringify(res));
  assert.equal(res.ok && res.cert.email, 'alice@example.com');
});

test('certificates from RSA and ECDSA CAs pass; one whose body was changed after signing does not', () => {
  for (const type of ['rsa', 'ecdsa'] as const) {
    const k = newClientKey(tmp.path, type, `ca-${type}`);
    const u = newClientKey(tmp.path, 'ed25519', `user-${type}`);
    execFileSync('ssh-keygen', [
      '-q',
      '-s',
      k,
      '-I',
      'drawbridge:alice@example.com:s1',
      '-n',
      'alice@example.com',
      '-V',
      '-5m:+1h',
      `${u}.pub`,
    ]);
    const blob = Buffer.from(readFileSync(`${u}-cert.pub`, 'utf8').split(' ')[1] as string, 'base64');
    const keys = parseCaKeys(readFileSync(`${k}.pub`, 'utf8'));
    assert.ok(checkUserCertificate(blob, keys, opts).ok, `${type} CA`);
    const nonce = Buffer.from(blob);
    const at = blob.readUInt32BE(0) + 8; // a byte of the nonce: signed, but not otherwise checked
    nonce[at] = (nonce[at] as number) ^ 1;
    assert.equal(checkUserCertificate(nonce, keys, opts).ok, false, `${type}: a changed signed byte`);
  }
});

test('random blobs are refused with a reason, never thrown', { timeout: 60_000 }, () => {
  const algo = fc.constantFrom(
    'ssh-ed25519-cert-v01@openssh.com',
    'ssh-rsa-cert-v01@openssh.com',
    'ecdsa-sha2-nistp256-cert-v01@openssh.com',
    'x',
  );
  const blob = fc.oneof(
    fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
    fc.tuple(algo, fc.uint8Array({ maxLength: 400 })).map(([a, rest]) => {
      const name = Buffer.from(a);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(name.length);
      return Buffer.concat([len, name, Buffer.from(rest)]);
    }),
  );
  fc.assert(
    fc.property(blob, (b) => refusedOrValid(b) && checkUserCertificate(b, caKeys, opts).ok === false),
    { numRuns: 3000 },
  );
});

test('a real certificate with bytes flipped, cut or inserted is refused, never thrown', {
  timeout: 60_000,
}, () => {
  const edit = fc.record({
    at: fc.nat(),
    kind: fc.constantFrom('flip', 'cut', 'insert', 'length'),
    byte: fc.integer({ min: 0, max: 255 }),
  });
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
      let b = Buffer.from(certBlob);
      for (const e of edits) {
        const at = e.at % Math.max(1, b.length);
        if (e.kind === 'flip') b[at] = (b[at] as number) ^ (e.byte || 1);
        else if (e.kind === 'cut') b = b.subarray(0, at);
        else if (e.kind === 'insert')
          b = Buffer.concat([b.subarray(0, at), Buffer.from([e.byte]), b.subarray(at)]);
        else if (b.length >= at + 4) b.writeUInt32BE(0xffffff00 + e.byte, at);
      }
      const res = checkUserCertificate(b, caKeys, opts);
      // Any change to the signed body or the signature must be caught by the CA signature check.
      if (res.ok) assert.deepEqual(b, certBlob, 'a modified certificate was accepted');
      return true;
    }),
    { numRuns: 3000 },
  );
});

test('userauth signature verification with random keys and signatures answers false, never throws', {
  timeout: 30_000,
}, () => {
  const pub = readFileSync(`${user}.pub`, 'utf8');
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 200 }),
      fc.boolean(),
      (sig, data, realKey) => {
        const key = realKey ? pub : Buffer.from(sig);
        assert.equal(verifyUserauthSignature(key, Buffer.from(data), Buffer.from(sig)), false);
        return true;
      },
    ),
    { numRuns: 2000 },
  );
});
