import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { scryptSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfigFile } from '@drawbridge/config';
import { initDevSetup } from './init.js';

test('init writes a setup that loads, with private keys 0600 that OpenSSH reads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drawbridge-init-'));
  try {
    const setup = initDevSetup({ dir, email: 'bob@example.org' });
    const loaded = loadConfigFile(dir, { env: {} });
    const c = loaded.config;
    assert.deepEqual(loaded.warnings, []);
    assert.equal(c.routes[0]?.from, 'https://hello.localhost:8443');
    assert.equal(c.authenticate_service_url, 'https://authenticate.localhost:8443');
    assert.equal(c.runtime_flags.ssh_upstream_tunnel, true);
    assert.equal(c.dev_idp?.users[0]?.email, 'bob@example.org');
    assert.equal(setup.sshCommand, 'ssh -R hello.localhost:443:localhost:3000 -N localhost -p 2222');

    for (const f of [
      c.ssh_user_ca_key_file!,
      ...c.ssh_host_key_files,
      c.certificate_key_file!,
      setup.configFile,
    ]) {
      assert.equal(statSync(f).mode & 0o777, 0o600, `${f} must be 0600`);
    }
    const types = c.ssh_host_key_files.map((f) => execFileSync('ssh-keygen', ['-l', '-f', f]).toString());
    assert.match(types.join(''), /\(ED25519\)[\s\S]*\(RSA\)[\s\S]*\(ECDSA\)/);
    // ssh-keygen -y only succeeds on a private key it can parse.
    assert.match(
      execFileSync('ssh-keygen', ['-y', '-f', c.ssh_user_ca_key_file!]).toString(),
      /^ssh-ed25519 /,
    );

    const cert = new X509Certificate(readFileSync(c.certificate_file!));
    assert.match(cert.subjectAltName ?? '', /DNS:\*\.localhost/);
    assert.ok(cert.checkHost('hello.localhost'));

    const password = readFileSync(join(dir, 'dev-idp-password'), 'utf8').trim();
    assert.equal(password, setup.password);
    const [, salt, hash] = c.dev_idp!.users[0]!.password_hash.split('$');
    assert.equal(scryptSync(password, Buffer.from(salt!, 'base64'), 32).toString('base64'), hash);

    assert.throws(() => initDevSetup({ dir }), /already exists; pass --force/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the tutorial's sed edits touch only the policy they aim at", () => {
  const dir = mkdtempSync(join(tmpdir(), 'drawbridge-init-'));
  try {
    const setup = initDevSetup({ dir });
    execFileSync('sed', ['-i', '-E', 's/^( {16}is: .*)/\\1.typo/', setup.configFile]);
    let c = loadConfigFile(dir, { env: {} }).config;
    assert.match(JSON.stringify(c.routes[0]?.policy), /alice@example\.com\.typo/);
    assert.doesNotMatch(JSON.stringify(c.routes[0]?.upstream_tunnel), /typo/);
    execFileSync('sed', ['-i', '-E', 's/^( {16}is: .*)\\.typo$/\\1/', setup.configFile]);
    execFileSync('sed', ['-i', '-E', 's/^( {18}is: .*)/\\1.typo/', setup.configFile]);
    c = loadConfigFile(dir, { env: {} }).config;
    assert.doesNotMatch(JSON.stringify(c.routes[0]?.policy), /typo/);
    assert.match(JSON.stringify(c.routes[0]?.upstream_tunnel), /alice@example\.com\.typo/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
