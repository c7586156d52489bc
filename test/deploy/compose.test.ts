import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfigFile } from '@drawbridge/config';
import {
  COMPOSE_CONFIG_SOURCE,
  missingEntryPoints,
  planComposeStack,
  prepareComposeConfig,
  probe,
  readComposeFile,
  startComposeStack,
} from '../kit/compose.js';
import { isolatedSshOptions, newClientKey, SshClient, tempDir, waitUntil } from '../kit/index.js';
import { BrowserSession } from './lib/browser-session.js';

const SCALE = { 'ssh-edge': 2, 'proxy-edge': 2 };
const compose = readComposeFile();
const drawbridgeServices = Object.entries(compose.services).filter(([, s]) =>
  (Array.isArray(s.command) ? s.command : []).some((a) =>
    /services\/[a-z-]+\/dist\/main\.js$/.test(String(a)),
  ),
);

test('docker-compose.yml can be scaled: no fixed names, no host ports on the edges, balancer publishes 443 and 2222', () => {
  const text = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
  assert.doesNotMatch(text, /container_name:/);
  assert.deepEqual(drawbridgeServices.map(([n]) => n).sort(), [
    'authn',
    'authz',
    'dev-idp',
    'proxy-edge',
    'ssh-edge',
  ]);
  for (const name of Object.keys(SCALE)) {
    assert.equal(
      compose.services[name]?.ports,
      undefined,
      `${name} is scaled, so it must not publish host ports`,
    );
  }
  const published = Object.values(compose.services).flatMap((s) => (s.ports ?? []).map(String));
  assert.ok(published.includes('443:443'), 'HTTPS on 443 as in the seed');
  assert.ok(published.includes('2222:2222'), 'SSH on 2222 as in the seed');
  assert.ok(existsSync(new URL('../../deploy/compose/haproxy.cfg', import.meta.url)));
});

test('every Drawbridge container mounts the config directory read-only, runs read-only and checks health', () => {
  for (const [name, svc] of drawbridgeServices) {
    const volumes = (svc.volumes ?? []).map(String);
    assert.ok(
      volumes.includes(`${COMPOSE_CONFIG_SOURCE}:/etc/drawbridge:ro`),
      `${name}: config directory mount`,
    );
    assert.ok(!volumes.some((v) => v.includes('config.yaml')), `${name}: a file mount would miss edits`);
    assert.equal(svc.read_only, true, `${name}: read_only`);
    const env = svc.environment as Record<string, string>;
    assert.match(env.HEALTH_ADDRESS ?? '', /^:\d+$/, `${name}: HEALTH_ADDRESS`);
    assert.equal(env.DATABROKER_STORAGE_TYPE, 'redis', `${name}: distributed registry`);
    assert.match(env.NATS_URL ?? '', /^nats:\/\//, `${name}: distributed bus`);
    const grace = /^(\d+)s$/.exec(String(svc.stop_grace_period));
    assert.ok(grace && Number(grace[1]) >= 35, `${name}: stop_grace_period covers the 30 s drain`);
  }
});

test('compose environment on a `drawbridge init` setup gives every replica a valid, distributed config on its own ports', async () => {
  const tmp = tempDir('drawbridge-compose-plan-');
  try {
    const dir = join(tmp.path, 'config');
    prepareComposeConfig(dir);
    const plan = await planComposeStack({
      compose,
      scale: SCALE,
      mountSources: { [COMPOSE_CONFIG_SOURCE]: dir },
      infra: { redis: 16379, nats: 14222 },
    });
    assert.deepEqual(Object.keys(plan.skipped).sort(), ['balancer', 'init', 'nats', 'redis']);
    assert.equal(plan.replicas.filter((r) => r.service === 'ssh-edge').length, 2);
    assert.equal(plan.replicas.filter((r) => r.service === 'proxy-edge').length, 2);

    const used = new Map<number, string>();
    for (const r of plan.replicas) {
      for (const [container, local] of Object.entries(r.ports)) {
        const who = `${r.service}#${r.replica}:${container}`;
        assert.ok(!used.has(local), `${who} and ${used.get(local)} share local port ${local}`);
        used.set(local, who);
      }
      for (const [k, v] of Object.entries(r.env)) {
        assert.doesNotMatch(
          v,
          /\/\/(redis|nats|authn|dev-idp|idp\.localhost):/,
          `${r.service}: ${k}=${v} still names a container`,
        );
        assert.ok(
          !v.startsWith('/run/secrets') && !v.startsWith('/etc/drawbridge'),
          `${r.service}: ${k} is a container path`,
        );
      }
      const { config: c } = loadConfigFile(dir, { env: r.env });
      assert.equal(c.databroker_storage_type, 'redis');
      assert.equal(c.databroker_storage_connection_string, 'redis://127.0.0.1:16379');
      assert.equal(c.nats_url, 'nats://127.0.0.1:14222');
      assert.match(c.health_address ?? '', /^127\.0\.0\.1:\d+$/);
      assert.equal(c.authenticate_service_url, 'https://authenticate.localhost');
      assert.equal(
        c.dev_idp?.address,
        ':5556',
        'init.sh makes the dev IdP listen on all container interfaces',
      );
      assert.equal(c.idp_provider_url, `http://127.0.0.1:${plan.portOf('dev-idp', 5556)}`);
      for (const f of [
        c.certificate_file,
        c.certificate_key_file,
        c.ssh_user_ca_key_file,
        ...c.ssh_host_key_files,
      ]) {
        assert.ok(f && existsSync(f), `${r.service}: ${f} exists`);
      }
    }
    const proxy = plan.replicas.find((r) => r.service === 'proxy-edge');
    assert.equal(proxy?.env.AUTHENTICATE_INTERNAL_URL, `http://127.0.0.1:${plan.portOf('authn', 8080)}`);
    const edges = plan.replicas.filter((r) => r.service === 'ssh-edge');
    assert.notEqual(edges[0]?.env.SSH_DATA_PLANE_ADDRESS, edges[1]?.env.SSH_DATA_PLANE_ADDRESS);
  } finally {
    tmp.cleanup();
  }
});

const missing = missingEntryPoints(compose);
test('walkthrough smoke check on the compose stack: health, sign-in at the dev IdP, tunnel, 200 through every proxy-edge', {
  skip: missing.length > 0 ? `services not runnable yet, missing: ${missing.join(', ')}` : false,
  timeout: 60_000,
}, async () => {
  const tmp = tempDir('drawbridge-compose-smoke-');
  const upstream = createServer((_req, res) => res.end('Hello world!\n'));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const upstreamPort = (upstream.address() as AddressInfo).port;
  const stack = await startComposeStack({ scale: SCALE });
  let ssh: SshClient | undefined;
  try {
    for (const r of stack.replicas) {
      assert.equal(
        await probe(r.healthPort as number, '/healthz'),
        200,
        `${r.service}#${r.replica} /healthz`,
      );
      assert.equal(await probe(r.healthPort as number, '/readyz'), 200, `${r.service}#${r.replica} /readyz`);
    }

    const key = newClientKey(tmp.path);
    ssh = new SshClient({
      args: [
        ...isolatedSshOptions(key),
        '-R',
        `hello.localhost:443:127.0.0.1:${upstreamPort}`,
        '-N',
        '-p',
        String(stack.sshPorts[0]),
        '127.0.0.1',
      ],
    });
    const [signinUrl] = await ssh.waitFor(/https:\/\/\S+\/\.pomerium\/sign_in\?user_code=[A-Za-z0-9_-]{22}/);
    assert.ok(signinUrl.startsWith('https://authenticate.localhost/'), signinUrl);

    const ca = readFileSync(join(stack.configDir, 'certs/cert.pem'), 'utf8');
    // The balancer's job: public 443 goes to a proxy-edge replica (the first, then the second).
    let edge = 0;
    const browser = new BrowserSession({
      ca,
      route: (host, port) =>
        host.endsWith('.localhost') && port === 443 ? (stack.httpsPorts[edge] as number) : port,
    });
    const login = await browser.navigate(signinUrl);
    assert.match(
      login.body,
      /name="password"/,
      `expected the dev IdP login page, got ${login.status} at ${login.url}`,
    );
    const verify = await browser.submit(login, { email: stack.setup.email, password: stack.setup.password });
    assert.match(
      verify.body,
      /Verify Sign In/i,
      `expected Verify Sign In, got ${verify.status} at ${verify.url}`,
    );
    const done = await browser.submit(verify, { decision: 'authorize' });
    assert.ok(done.status < 400, `Authorize answered ${done.status}: ${done.body.slice(0, 500)}`);

    for (edge = 0; edge < stack.httpsPorts.length; edge++) {
      const page = await waitUntil(
        async () => {
          const res = await browser.navigate('https://hello.localhost/');
          return res.status === 200 ? res : undefined;
        },
        20_000,
        `200 from https://hello.localhost through proxy-edge #${edge}`,
      );
      assert.equal(page.body, 'Hello world!\n');
    }
    assert.ok(ssh.running, `ssh stays connected; output:\n${ssh.output}`);
  } catch (err) {
    for (const r of stack.replicas)
      process.stderr.write(`--- ${r.service}#${r.replica} ---\n${r.output().slice(-4000)}\n`);
    throw err;
  } finally {
    await ssh?.stop();
    await stack.stop();
    upstream.close();
    tmp.cleanup();
  }
});
