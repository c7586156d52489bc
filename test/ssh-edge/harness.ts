// Starts a real ssh-edge (in this process) over a real config file, with the real policy engine,
// and plays authn's part of the sign-in contract. Cross-service: imports ssh-edge and runtime by
// path because test/package.json does not (yet) depend on them.
import { execFileSync } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bus, InProcessTransport } from '@drawbridge/bus';
import { initDevSetup } from '@drawbridge/cli';
import { watchConfig } from '@drawbridge/config';
import { createLogger } from '@drawbridge/log';
import { createPolicyEngine, type PolicyEngine } from '@drawbridge/policy';
import {
  type AuthzApi,
  type Identity,
  type PendingSignin,
  randomId,
  type Session,
} from '@drawbridge/protocol';
import { MemoryStore, Registry } from '@drawbridge/registry';
import type { ServiceContext } from '../../packages/runtime/src/index.js';
import { createSshEdge, type SshEdge } from '../../services/ssh-edge/src/index.js';
import {
  freePort,
  isolatedSshOptions,
  SshClient,
  startHelloService,
  tempDir,
  waitUntil,
} from '../kit/index.js';

export const ALICE = 'alice@example.com';

export function identityFor(email: string): Identity {
  return { sub: `sub-${email}`, email, groups: [], claims: { email } };
}

/** Extra routes every ssh-edge test uses next to the dev setup's `hello.localhost`. */
const EXTRA_ROUTES = `
  - from: https://bobs.localhost
    to: http://non-existent-route
    upstream_tunnel:
      ssh_policy:
        - allow:
            or:
              - email:
                  is: bob@example.com
  - from: https://plain.localhost
    to: http://127.0.0.1:1
    allow_public_unauthenticated_access: true
`;

export interface Harness {
  dir: string;
  configFile: string;
  sshPort: number;
  edge: SshEdge;
  ctx: ServiceContext;
  hello: Awaited<ReturnType<typeof startHelloService>>;
  caKey: string;
  ssh(key: string | undefined, args: string[]): SshClient;
  forwardArgs(host?: string, port?: number): string[];
  approve(code: string, email?: string): Promise<PendingSignin>;
  deny(code: string): Promise<void>;
  logText(): string;
  close(): Promise<void>;
}

/** An authz that answers with the real policy engine, recompiled on each config generation. */
export function engineAuthz(
  current: () => {
    config: { routes: never[] | Parameters<typeof createPolicyEngine>[0] };
    generation: number;
  },
): AuthzApi {
  let engine: PolicyEngine | undefined;
  return {
    async evaluate(req) {
      const l = current();
      if (!engine || engine.generation !== l.generation)
        engine = createPolicyEngine(l.config.routes, { generation: l.generation });
      return engine.evaluate(req);
    },
  };
}

export async function startHarness(opts: { configEdit?: (text: string) => string } = {}): Promise<Harness> {
  const tmp = tempDir('drawbridge-ssh-edge-');
  const sshPort = await freePort();
  const setup = initDevSetup({
    dir: join(tmp.path, 'gw'),
    email: ALICE,
    httpsPort: await freePort(),
    sshPort,
    idpPort: await freePort(),
    bindHost: '127.0.0.1',
    storage: 'memory',
  });
  let text = readFileSync(setup.configFile, 'utf8');
  text = `${text.trimEnd()}\n${EXTRA_ROUTES}`;
  text = text.replace(
    /^ssh_address: .*$/m,
    `ssh_address: 127.0.0.1:${sshPort}\nssh_data_plane_address: 127.0.0.1:0\nssh_unauthenticated_timeout: 5s`,
  );
  if (opts.configEdit) text = opts.configEdit(text);
  writeFileSync(setup.configFile, text);

  const logFile = join(tmp.path, 'ssh-edge.log');
  const logger = createLogger({
    name: 'ssh-edge-test',
    level: 'debug',
    destination: createWriteStream(logFile),
  });
  const config = watchConfig(setup.configFile, { logger, debounceMs: 20, pollMs: 250 });
  const c = config.current().config;
  const registry = new Registry(new MemoryStore());
  const bus = new Bus({
    transport: new InProcessTransport(),
    sharedSecret: c.shared_secret,
    origin: 'ssh-edge-test',
    logger,
  });
  const ctx: ServiceContext = {
    config,
    logger,
    registry,
    bus,
    instanceId: randomId().slice(0, 8),
    now: Date.now,
  };
  const authz = engineAuthz(() => {
    const l = config.current();
    return { config: { routes: l.config.routes }, generation: l.generation };
  });
  const edge = createSshEdge(ctx, { authz });
  await edge.start();
  const hello = await startHelloService();
  const clients: SshClient[] = [];

  const resolve = async (code: string, fn: (p: PendingSignin) => PendingSignin) => {
    const p = await registry.resolveSignin(code, fn);
    if (!p) throw new Error(`sign-in ${code} was not pending`);
    await bus.publish('signin.resolved', { signin: p });
    return p;
  };

  return {
    dir: tmp.path,
    configFile: setup.configFile,
    sshPort,
    edge,
    ctx,
    hello,
    caKey: join(setup.dir, 'keys', 'pomerium_user_ca_key'),
    ssh(key, args) {
      const base = key
        ? isolatedSshOptions(key)
        : [
            '-F',
            '/dev/null',
            '-o',
            'PubkeyAuthentication=no',
            '-o',
            'UserKnownHostsFile=/dev/null',
            '-o',
            'StrictHostKeyChecking=no',
          ];
      const client = new SshClient({
        args: [
          ...base,
          '-o',
          'BatchMode=no',
          '-o',
          'LogLevel=INFO',
          '-p',
          String(sshPort),
          ...args,
          '127.0.0.1',
        ],
      });
      clients.push(client);
      return client;
    },
    forwardArgs(host = 'hello.localhost', port = 443) {
      return ['-R', `${host}:${port}:127.0.0.1:${hello.port}`, '-N'];
    },
    async approve(code, email = ALICE) {
      const identity = identityFor(email);
      const now = Date.now();
      const session: Session = {
        id: randomId(),
        identity,
        createdAt: now,
        expiresAt: now + 3_600_000,
        origin: 'ssh',
      };
      await registry.putSession(session);
      const p = await resolve(code, (x) => ({ ...x, status: 'approved', identity, sessionId: session.id }));
      if (p.keyFingerprint) {
        await registry.bindKey({
          fingerprint: p.keyFingerprint,
          sessionId: session.id,
          identity,
          createdAt: now,
          expiresAt: session.expiresAt,
        });
      }
      return p;
    },
    async deny(code) {
      await resolve(code, (x) => ({ ...x, status: 'denied', reason: 'denied in the browser' }));
    },
    logText: () => readFileSync(logFile, 'utf8'),
    async close() {
      await Promise.all(clients.map((cl) => cl.stop().catch(() => {})));
      await edge.stop({ graceMs: 200 });
      await hello.close();
      config.close();
      tmp.cleanup();
    },
  };
}

/** `ssh-keygen -s ca -I id -n principals -V validity key.pub` → path of the certificate. */
export function signCertificate(
  caKey: string,
  key: string,
  opts: { keyId: string; principals: string; validity: string },
): string {
  execFileSync('ssh-keygen', [
    '-q',
    '-s',
    caKey,
    '-I',
    opts.keyId,
    '-n',
    opts.principals,
    '-V',
    opts.validity,
    `${key}.pub`,
  ]);
  return `${key}-cert.pub`;
}

export const USER_CODE = /user_code=([A-Za-z0-9_-]{22})/;

export { waitUntil };
