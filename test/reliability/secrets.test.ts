// Secrets: key files others can read are refused at start-up, and no secret, cookie or token ever
// reaches a log, even at debug level, over a whole sign-in → tunnel → visit flow.
import assert from 'node:assert/strict';
import { chmodSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { initDevSetup } from '@drawbridge/cli';
import { loadConfigFile } from '@drawbridge/config';
import { BrowserSession } from '../deploy/lib/browser-session.js';
import {
  freePort,
  isolatedSshOptions,
  NodeProcess,
  newClientKey,
  SshClient,
  tempDir,
  waitUntil,
} from '../kit/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
let tmp: ReturnType<typeof tempDir>;

before(() => {
  tmp = tempDir('drawbridge-secrets-');
});
after(() => tmp?.cleanup());

async function newSetup(name: string) {
  return initDevSetup({
    dir: join(tmp.path, name),
    httpsPort: await freePort(),
    sshPort: await freePort(),
    idpPort: await freePort(),
    bindHost: '127.0.0.1',
  });
}

/** Runs a program on a config dir and returns its exit code and output once it exits (or fails if it keeps running). */
async function startupFails(args: string[], name: string): Promise<{ code: number | null; output: string }> {
  const p = new NodeProcess(args, { logFile: join(tmp.path, `${name}.log`) });
  const exited = await Promise.race([
    p.exited.then(() => true),
    new Promise((r) => setTimeout(() => r(false), 20_000)),
  ]);
  if (!exited) {
    await p.stop('SIGKILL');
    assert.fail(`${name} kept running with an exposed key:\n${p.output}`);
  }
  return { code: p.child.exitCode, output: p.output };
}

const cases = [
  {
    file: 'keys/pomerium_ssh_host_ed25519_key',
    programs: ['ssh-edge'],
    code: 'DRAWBRIDGE_SSH_KEY_PERMISSIONS',
  },
  { file: 'keys/pomerium_user_ca_key', programs: ['authn'], code: 'DRAWBRIDGE_USER_CA_PERMISSIONS' },
  { file: 'keys/pomerium_user_ca_key', programs: ['ssh-edge'], code: 'DRAWBRIDGE_SSH_KEY_PERMISSIONS' },
];
for (const [mode, label] of [
  [0o640, 'group'],
  [0o604, 'world'],
] as const) {
  for (const c of cases) {
    for (const program of c.programs) {
      test(`${program} refuses to start when ${c.file} is ${label}-readable, naming the file and chmod 600`, {
        timeout: 30_000,
      }, async () => {
        const setup = await newSetup(`${program}-${label}-${c.file.split('/')[1]}`);
        const file = join(setup.dir, c.file);
        chmodSync(file, mode);
        const res = await startupFails(
          [join(ROOT, `services/${program}/dist/main.js`), '--config', setup.dir],
          program,
        );
        assert.notEqual(res.code, 0, res.output);
        assert.ok(res.output.includes(c.code), `stable code ${c.code}:\n${res.output}`);
        assert.ok(res.output.includes(file), `names ${file}:\n${res.output}`);
        assert.match(res.output, /chmod 600/);
      });
    }
  }
}

test('drawbridge start (all-in-one) refuses a world-readable user CA key', { timeout: 30_000 }, async () => {
  const setup = await newSetup('aio-perm');
  const file = join(setup.dir, 'keys/pomerium_user_ca_key');
  chmodSync(file, 0o644);
  const res = await startupFails(
    [join(ROOT, 'packages/cli/bin/drawbridge.mjs'), 'start', '--config', setup.dir],
    'aio-perm',
  );
  assert.notEqual(res.code, 0, res.output);
  assert.ok(res.output.includes(file) && /chmod 600/.test(res.output), res.output);
});

test('no secret, password, cookie or token appears in any log of a full sign-in, tunnel and visit at debug level', {
  timeout: 90_000,
}, async () => {
  const setup = await newSetup('aio-logs');
  const gateway = new NodeProcess(
    [join(ROOT, 'packages/cli/bin/drawbridge.mjs'), 'start', '--config', setup.dir],
    {
      logFile: join(tmp.path, 'aio-logs.log'),
      env: { DRAWBRIDGE_LOG_LEVEL: 'debug', LOG_LEVEL: 'debug' },
    },
  );
  const seenHeaders: IncomingHttpHeaders[] = [];
  const upstream = createServer((req, res) => {
    seenHeaders.push(req.headers);
    res.end('Hello world!\n');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  let ssh: SshClient | undefined;
  try {
    await waitUntil(() => /ssh -R/.test(gateway.output) || !gateway.running, 30_000, 'drawbridge start');
    assert.ok(gateway.running, gateway.output);
    const key = newClientKey(tmp.path, 'ed25519', 'logs_key');
    const routeHost = new URL(setup.routeUrl).hostname;
    ssh = new SshClient({
      args: [
        ...isolatedSshOptions(key),
        '-R',
        `${routeHost}:443:127.0.0.1:${(upstream.address() as AddressInfo).port}`,
        '-N',
        '-p',
        String(setup.sshPort),
        '127.0.0.1',
      ],
    });
    const [signinUrl] = await ssh.waitFor(/https:\/\/\S+\/\.pomerium\/sign_in\?user_code=[A-Za-z0-9_-]{22}/);
    const ca = readFileSync(join(setup.dir, 'certs/cert.pem'), 'utf8');
    const browser = new BrowserSession({ ca, route: (_h, port) => port });
    const login = await browser.navigate(signinUrl);
    const verify = await browser.submit(login, { email: setup.email, password: setup.password });
    const done = await browser.submit(verify, { decision: 'authorize' });
    assert.ok(done.status < 400, `Authorize: ${done.status}`);
    await waitUntil(
      async () => (await browser.navigate(`${setup.routeUrl}/`)).status === 200,
      20_000,
      'the route serves the signed-in visitor',
    );
    // Sign out too: the RP-initiated logout carries the ID token hint.
    await browser.navigate(`${setup.routeUrl}/.pomerium/sign_out`).catch(() => undefined);

    const { config } = loadConfigFile(setup.dir, { env: {} });
    const jar = (browser as unknown as { jar: Map<string, Map<string, string>> }).jar;
    const cookies = [...jar.values()].flatMap((m) => [...m.values()]).filter((v) => v.length >= 16);
    const assertions = seenHeaders.map((h) => h['x-pomerium-jwt-assertion']).filter((v): v is string => !!v);
    assert.ok(
      assertions.length > 0,
      'the upstream received the identity JWT (a token that must not be logged)',
    );
    const keyBody = (f: string) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('-----'))
        .join('');
    const secrets: Record<string, string> = {
      shared_secret: config.shared_secret as string,
      cookie_secret: config.cookie_secret as string,
      idp_client_secret: config.idp_client_secret as string,
      'dev-idp password': setup.password,
      'user CA private key': keyBody(config.ssh_user_ca_key_file as string).slice(40, 120),
      'TLS private key': keyBody(config.certificate_key_file as string).slice(40, 120),
      ...Object.fromEntries(cookies.map((v, i) => [`cookie #${i}`, v])),
      ...Object.fromEntries(assertions.map((v, i) => [`identity JWT #${i}`, v])),
    };
    for (const [name, value] of Object.entries(secrets))
      assert.ok(value && value.length >= 16, `${name} is known`);

    await ssh.stop();
    await gateway.stop();
    const logs = `${gateway.output}\n${readFileSync(join(tmp.path, 'aio-logs.log'), 'utf8')}`;
    assert.ok(logs.length > 2_000 && /"level":20/.test(logs), 'debug logs were captured');
    for (const [name, value] of Object.entries(secrets)) {
      assert.ok(!logs.includes(value), `${name} appears in the logs`);
      // Encoded spellings of the same value count as leaks too.
      assert.ok(!logs.includes(encodeURIComponent(value)), `${name} (URL-encoded) appears in the logs`);
    }
    assert.doesNotMatch(logs, /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\./, 'a JWT appears in the logs');
    assert.doesNotMatch(
      logs,
      /"(access|id|refresh)_token"\s*:\s*"[^"]{8,}/,
      'an OAuth token appears in the logs',
    );
    assert.doesNotMatch(
      logs,
      /[?&](code|state|code_verifier)=[A-Za-z0-9_-]{16,}/,
      'an OIDC code or state appears in the logs',
    );
  } finally {
    await ssh?.stop();
    await gateway.stop();
    upstream.close();
  }
});
