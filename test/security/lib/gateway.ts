// One all-in-one gateway per security test file: `drawbridge init` setup, a few extra routes, and
// every service started in this process through `startServices` (the code `drawbridge start` runs),
// so a test can also reach the registry, bus and internal listeners the attacks aim at.
import { execFileSync } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initDevSetup, type StartedServices, startServices } from '@drawbridge/cli';
import { createLogger } from '@drawbridge/log';
import type { Authz } from '../../../services/authz/src/index.js';
import type { ProxyEdge } from '../../../services/proxy-edge/src/index.js';
import type { SshEdge } from '../../../services/ssh-edge/src/index.js';
import { BrowserSession } from '../../deploy/lib/browser-session.js';
import {
  freePort,
  isolatedSshOptions,
  newClientKey,
  SshClient,
  tempDir,
  waitUntil,
} from '../../kit/index.js';
import { type RecordingUpstream, startRecordingUpstream } from './upstream.js';

export const ALICE = 'alice@example.com';

export interface Gateway {
  dir: string;
  configDir: string;
  configFile: string;
  httpsPort: number;
  sshPort: number;
  password: string;
  /** `https://<host>:<port>` of a route host on this gateway. */
  url(host: string, path?: string): string;
  started: StartedServices;
  edge: SshEdge;
  authz: Authz;
  proxy: ProxyEdge;
  upstream: RecordingUpstream;
  sharedSecret: string;
  caKeyFile: string;
  /** A browser-like HTTP client whose every `*.localhost` host is this gateway. */
  browser(): BrowserSession;
  /** A browser signed in at the dev IdP as alice (cookies for the authenticate host and the IdP). */
  signedInBrowser(): Promise<BrowserSession>;
  /** `ssh` with the given key and args against this gateway. */
  ssh(key: string, args: string[], extra?: string[]): SshClient;
  /** A client key with an OpenSSH certificate minted by ssh-keygen with the gateway's CA. */
  certifiedKey(
    name: string,
    opts?: { principals?: string; validity?: string; options?: string[]; ca?: string },
  ): string;
  /** Binds a plain key to alice's session through the real sign-in (Verify Sign In → Authorize). */
  bindKey(key: string, browser: BrowserSession): Promise<SshClient>;
  /** `ssh -R host:443:upstream` authenticated by a CA certificate; resolves once the tunnel is attached. */
  publish(host: string, name?: string): Promise<SshClient>;
  logText(): string;
  stop(): Promise<void>;
}

const EXTRA_ROUTES = (port: number) => `
  - from: https://admin.localhost:${port}
    to: http://non-existent-route
    allow_websockets: true
    policy:
      - allow:
          and:
            - email:
                is: ${ALICE}
      - deny:
          or:
            - http_path:
                starts_with: /admin
    upstream_tunnel:
      ssh_policy:
        - allow:
            and:
              - email:
                  is: ${ALICE}
  - from: https://bobs.localhost:${port}
    to: http://non-existent-route
    policy:
      - allow:
          and:
            - email:
                is: bob@example.com
    upstream_tunnel:
      ssh_policy:
        - allow:
            and:
              - email:
                  is: bob@example.com
`;

export async function startGateway(opts: {
  name: string;
  configEdit?: (text: string) => string;
}): Promise<Gateway> {
  const tmp = tempDir(`drawbridge-security-${opts.name}-`);
  const httpsPort = await freePort();
  const sshPort = await freePort();
  const setup = initDevSetup({
    dir: join(tmp.path, 'gw'),
    httpsPort,
    sshPort,
    idpPort: await freePort(),
    bindHost: '127.0.0.1',
    storage: 'memory',
  });
  let text = `${readFileSync(setup.configFile, 'utf8').trimEnd()}\n${EXTRA_ROUTES(httpsPort)}`;
  text = text.replace(
    /^ssh_address: .*$/m,
    `ssh_address: 127.0.0.1:${sshPort}\nssh_unauthenticated_timeout: 4s\nmax_request_body_bytes: 65536`,
  );
  if (opts.configEdit) text = opts.configEdit(text);
  writeFileSync(setup.configFile, text);

  const logFile = join(tmp.path, 'gateway.log');
  const logger = createLogger({
    name: 'drawbridge',
    level: 'debug',
    destination: createWriteStream(logFile),
  });
  const started = await startServices({ configPath: setup.dir, logger, handleSignals: false });
  const find = <T>(name: string) => started.services.find((s) => s.name === name) as unknown as T;
  const upstream = await startRecordingUpstream();
  const caKeyFile = join(setup.dir, 'keys', 'pomerium_user_ca_key');
  const clients: SshClient[] = [];
  let keys = 0;

  const gw: Gateway = {
    dir: tmp.path,
    configDir: setup.dir,
    configFile: setup.configFile,
    httpsPort,
    sshPort,
    password: setup.password,
    url: (host, path = '/') => `https://${host}:${httpsPort}${path}`,
    started,
    edge: find<SshEdge>('ssh-edge'),
    authz: find<Authz>('authz'),
    proxy: find<ProxyEdge>('proxy-edge'),
    upstream,
    sharedSecret: started.ctx.config.current().config.shared_secret,
    caKeyFile,
    browser: () => new BrowserSession({ route: (_h, p) => p }),
    async signedInBrowser() {
      const b = gw.browser();
      const login = await b.navigate(gw.url('authenticate.localhost', '/.pomerium/'));
      if (!/name="password"/.test(login.body))
        throw new Error(`no IdP login page: ${login.status} ${login.url}`);
      const page = await b.submit(login, { email: ALICE, password: setup.password });
      if (page.status !== 200) throw new Error(`sign-in ended with ${page.status} at ${page.url}`);
      return b;
    },
    ssh(key, args, extra = []) {
      const c = new SshClient({
        args: [
          ...isolatedSshOptions(key),
          '-o',
          'BatchMode=no',
          ...extra,
          '-p',
          String(sshPort),
          ...args,
          '127.0.0.1',
        ],
      });
      clients.push(c);
      return c;
    },
    certifiedKey(name, o = {}) {
      const key = newClientKey(tmp.path, 'ed25519', name);
      execFileSync('ssh-keygen', [
        '-q',
        '-s',
        o.ca ?? caKeyFile,
        '-I',
        `test:${name}`,
        '-n',
        o.principals ?? ALICE,
        '-V',
        o.validity ?? '-5m:+1h',
        ...(o.options ?? []).flatMap((x) => ['-O', x]),
        `${key}.pub`,
      ]);
      return key;
    },
    async bindKey(key, browser) {
      const c = gw.ssh(key, ['-v', '-N']);
      const [url] = await c.waitFor(/https:\/\/\S+\/\.pomerium\/sign_in\?user_code=[A-Za-z0-9_-]+/);
      const verify = await browser.navigate(url);
      if (!/Verify Sign In/i.test(verify.body))
        throw new Error(`no Verify Sign In page: ${verify.status} ${verify.url}`);
      const done = await browser.submit(verify, { decision: 'authorize' });
      if (done.status >= 400) throw new Error(`Authorize answered ${done.status}`);
      await c.waitFor(/Authenticated to/);
      return c;
    },
    async publish(host, name = `pub${++keys}`) {
      const key = gw.certifiedKey(name);
      const before = new Set(gw.edge.tunnels().map((t) => t.id));
      const c = gw.ssh(
        key,
        ['-R', `${host}:443:127.0.0.1:${upstream.port}`, '-N'],
        ['-o', `CertificateFile=${key}-cert.pub`, '-o', 'ExitOnForwardFailure=yes'],
      );
      await waitUntil(
        () =>
          gw.edge.tunnels().some((t) => !before.has(t.id) && t.bindHost === host && t.state === 'attached') ||
          !c.running,
        15_000,
        `tunnel for ${host}`,
      );
      if (!c.running) throw new Error(`ssh exited before the tunnel attached:\n${c.output}`);
      return c;
    },
    logText: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
    async stop() {
      await Promise.all(clients.map((c) => c.stop('SIGKILL')));
      await started.stop();
      await upstream.close();
      tmp.cleanup();
    },
  };
  return gw;
}
