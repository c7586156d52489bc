import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { type Harness, startHarness } from './harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

test('ssh-keyscan sees all three host keys (Ed25519, RSA, ECDSA) and only modern algorithms are offered', async () => {
  // Asynchronously: the ssh-edge under test runs in this very process.
  const run = promisify(execFile);
  const { stdout: scan } = await run('ssh-keyscan', [
    '-T',
    '30',
    '-p',
    String(h.sshPort),
    '-t',
    'ed25519,rsa,ecdsa',
    '127.0.0.1',
  ]);
  for (const algo of ['ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256']) {
    assert.match(scan, new RegExp(`\\]:\\d+ ${algo} AAAA`), `${algo} host key offered:\n${scan}`);
  }
  // An old client that only speaks SHA-1 key exchange is turned away.
  const legacy = await run('ssh', [
    '-F',
    '/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'KexAlgorithms=diffie-hellman-group14-sha1',
    '-p',
    String(h.sshPort),
    '127.0.0.1',
    'true',
  ]).then(
    () => 'connected',
    (err: { stderr?: string }) => err.stderr ?? '',
  );
  assert.match(legacy, /no matching key exchange method/);
});
