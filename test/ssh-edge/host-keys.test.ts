import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { type Harness, startHarness } from './harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

test('ssh-keyscan sees all three host keys (Ed25519, RSA, ECDSA) and only modern algorithms are offered', async () => {
  const scan = execFileSync(
    'ssh-keyscan',
    ['-T', '30', '-p', String(h.sshPort), '-t', 'ed25519,rsa,ecdsa', '127.0.0.1'],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  ).toString();
  for (const algo of ['ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256']) {
    assert.match(scan, new RegExp(`\\] ${algo} AAAA`), `${algo} host key offered:\n${scan}`);
  }
  // An old client that only speaks SHA-1 key exchange is turned away.
  const legacy = execFileSync('sh', [
    '-c',
    `ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o KexAlgorithms=diffie-hellman-group14-sha1 -p ${h.sshPort} 127.0.0.1 true 2>&1; true`,
  ]).toString();
  assert.match(legacy, /no matching key exchange method/);
});
