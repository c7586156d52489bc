import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { ConfigError, ERR_CONFIG_INVALID } from './errors.js';
import { parseConfigText } from './load.js';
import { seedConfig } from './testing/seed.js';

function expectIssue(text: string, match: { path?: string | RegExp; line?: number; message: RegExp }) {
  assert.throws(
    () => parseConfigText(text, '/etc/drawbridge/config.yaml', { env: {} }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      assert.equal(err.code, ERR_CONFIG_INVALID);
      const issue = err.issues.find(
        (i) =>
          match.message.test(i.message) &&
          (match.path === undefined ||
            (typeof match.path === 'string' ? i.path === match.path : match.path.test(i.path))),
      );
      assert.ok(issue, `no issue matching ${match.message} in:\n${err.message}`);
      if (match.line !== undefined) assert.equal(issue.line, match.line, err.message);
      assert.match(err.message, /^\/etc\/drawbridge\/config\.yaml:\d+/m, 'message names the file and line');
      return true;
    },
  );
}

test('the Pomerium tutorial config loads verbatim', () => {
  const loaded = parseConfigText(seedConfig(), '/etc/pomerium/config.yaml', { env: {} });
  const c = loaded.config;
  assert.equal(c.address, ':443');
  assert.equal(c.authenticateHost, 'authenticate.localhost');
  assert.equal(c.idp_provider, 'oidc');
  assert.deepEqual(c.idp_scopes, ['openid', 'email', 'profile', 'offline_access']);
  assert.equal(c.ssh_address, '0.0.0.0:2222');
  assert.equal(c.ssh_host_key_files.length, 3);
  assert.equal(c.runtime_flags.ssh_upstream_tunnel, true);
  assert.equal(c.runtime_flags.ssh_allow_direct_tcpip, false);
  assert.equal(c.databroker_storage_type, 'file');
  assert.equal(c.databroker_storage_connection_string, 'file:///var/pomerium/databroker');
  assert.equal(c.routes.length, 1);
  const r = c.routes[0]!;
  assert.equal(r.fromHost, 'hello.localhost');
  assert.equal(r.fromPort, 443);
  assert.equal(r.isTunnel, true);
  assert.deepEqual(r.toUrls, ['http://non-existent-route']);
  assert.deepEqual(loaded.warnings, []);
  assert.equal(loaded.lineOf(['routes', 0, 'policy']), 23);
});

test('CERTIFICATE_FILE and CERTIFICATE_KEY_FILE override the config', () => {
  const c = parseConfigText(seedConfig(), '/etc/pomerium/config.yaml', {
    env: {
      CERTIFICATE_FILE: '/etc/pomerium/certs/cert.pem',
      CERTIFICATE_KEY_FILE: '/etc/pomerium/certs/key.pem',
    },
  }).config;
  assert.equal(c.certificate_file, '/etc/pomerium/certs/cert.pem');
  assert.equal(c.certificate_key_file, '/etc/pomerium/certs/key.pem');
});

test('relative key paths resolve against the config directory', () => {
  const text = seedConfig().replace('/etc/pomerium/keys/pomerium_user_ca_key', 'keys/ca');
  const c = parseConfigText(text, '/srv/gw/config.yaml', { env: {} }).config;
  assert.equal(c.ssh_user_ca_key_file, '/srv/gw/keys/ca');
});

test('bad YAML names the line', () => {
  expectIssue(seedConfig().replace('address: :443', 'address: [:443'), { message: /YAML syntax error/ });
});

test('a wrong type names the key and its line', () => {
  expectIssue(seedConfig().replace('ssh_upstream_tunnel: true', 'ssh_upstream_tunnel: "yes please"'), {
    path: 'runtime_flags.ssh_upstream_tunnel',
    line: 17,
    message: /boolean/,
  });
});

test('a secret that is not 32 random bytes in base64 is refused with how to make one', () => {
  const text = seedConfig().replace(/^shared_secret: .*$/m, 'shared_secret: hunter2');
  expectIssue(text, {
    path: 'shared_secret',
    line: 1,
    message: /32 random bytes.*head -c32 \/dev\/urandom \| base64/,
  });
  const short = seedConfig().replace(
    /^cookie_secret: .*$/m,
    `cookie_secret: ${randomBytes(16).toString('base64')}`,
  );
  expectIssue(short, { path: 'cookie_secret', line: 2, message: /32 random bytes/ });
});

test('a bad URL names the key', () => {
  expectIssue(
    seedConfig().replace(
      'authenticate_service_url: https://authenticate.localhost',
      'authenticate_service_url: authenticate',
    ),
    {
      path: 'authenticate_service_url',
      line: 4,
      message: /absolute URL/,
    },
  );
  expectIssue(seedConfig().replace('to: http://non-existent-route', 'to: ftp://x'), {
    path: 'routes[0].to',
    message: /URL/,
  });
});

test('unknown keys are warnings, not errors', () => {
  const loaded = parseConfigText(`${seedConfig()}frobnicate: 3\n`, '/etc/pomerium/config.yaml', { env: {} });
  assert.equal(loaded.warnings.length, 1);
  assert.match(loaded.warnings[0]!, /config\.yaml:34: unknown key "frobnicate"/);
  const routeKey = parseConfigText(
    seedConfig().replace('    to: http', '    colour: blue\n    to: http'),
    '/x/config.yaml',
    { env: {} },
  );
  assert.match(routeKey.warnings.join('\n'), /unknown route key "routes\[0\]\.colour"/);
});

test('a route without from is refused', () => {
  const text = `${seedConfig()}  - to: http://example.com\n`;
  expectIssue(text, { path: 'routes[1].from', line: 34, message: /required/ });
});

test('a route needs to or upstream_tunnel', () => {
  expectIssue(`${seedConfig()}  - from: https://x.localhost\n`, {
    path: 'routes[1].to',
    message: /upstream_tunnel/,
  });
});

test('storage type and connection string must agree', () => {
  expectIssue(seedConfig().replace('file:///var/pomerium/databroker', 'redis://localhost:6379'), {
    path: 'databroker_storage_connection_string',
    message: /file:\/\/\//,
  });
  expectIssue(seedConfig().replace('databroker_storage_type: file', 'databroker_storage_type: postgres'), {
    path: 'databroker_storage_type',
    message: /memory, file or redis/,
  });
});

test('a config that is not a mapping is refused', () => {
  expectIssue('- just\n- a list\n', { message: /mapping/ });
});

test('a wildcard is only a whole leading label', () => {
  const ok = parseConfigText(
    seedConfig().replace('from: https://hello.localhost', 'from: https://*.hello.localhost'),
    '/x/config.yaml',
    { env: {} },
  );
  assert.equal(ok.config.routes[0]?.fromHost, '*.hello.localhost');
  expectIssue(seedConfig().replace('from: https://hello.localhost', 'from: https://a*b.localhost'), {
    path: 'routes[0].from',
    message: /whole leading label/,
  });
});
