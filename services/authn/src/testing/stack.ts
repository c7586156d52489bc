import { execFileSync } from 'node:child_process';
import { randomBytes, scryptSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@drawbridge/log';
import { type PendingSignin, randomId } from '@drawbridge/protocol';
import { closeContext, createContext, type ServiceContext } from '@drawbridge/runtime';
import { type Authn, type AuthnOptions, createAuthn } from '../service.js';
import { startDevIdpProcess } from './dev-idp-process.js';
import { freePort } from './ports.js';

export const USER = { email: 'alice@example.com', password: 'alice-password', name: 'Alice Example' };

/** The `scrypt$salt$hash` format dev_idp.users takes (same as dev-idp's hashPassword). */
function scryptHash(password: string): string {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64')}$${scryptSync(password, salt, 32).toString('base64')}`;
}

export interface Stack {
  dir: string;
  ctx: ServiceContext;
  authn: Authn;
  /** Public URL of the authenticate host (`http://authenticate.localhost:<port>`). */
  authUrl: string;
  issuer: string;
  /** A fresh pending sign-in for a real ssh-keygen key, as ssh-edge would write it. */
  pendingSignin(
    overrides?: Partial<PendingSignin>,
  ): Promise<{ signin: PendingSignin; url: string; keyFile: string }>;
  stop(): Promise<void>;
}

/** authn in-process (real context: memory registry, in-process bus) + the real dev IdP as a process. */
export async function startStack(opts: AuthnOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'drawbridge-authn-'));
  const [authPort, idpPort] = [await freePort(), await freePort()];
  const authUrl = `http://authenticate.localhost:${authPort}`;
  const issuer = `http://127.0.0.1:${idpPort}`;
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'user-ca', '-f', join(dir, 'user_ca')]);
  const secret = () => randomBytes(32).toString('base64');
  const configFile = join(dir, 'config.yaml');
  writeFileSync(
    configFile,
    `shared_secret: ${secret()}
cookie_secret: ${secret()}
authenticate_service_url: ${authUrl}
authenticate_internal_address: 127.0.0.1:${authPort}
idp_provider_url: ${issuer}
idp_client_id: drawbridge
idp_client_secret: ${randomBytes(16).toString('hex')}
ssh_user_ca_key_file: ${join(dir, 'user_ca')}
ssh_certificate_ttl: 12h
routes:
  - from: https://hello.localhost
    upstream_tunnel:
      ssh_policy:
        - allow:
            and:
              - email:
                  is: ${USER.email}
dev_idp:
  address: 127.0.0.1:${idpPort}
  users:
    - email: ${USER.email}
      name: ${USER.name}
      groups: [engineering]
      password_hash: "${scryptHash(USER.password)}"
`,
  );
  const idp = await startDevIdpProcess(configFile, issuer);
  const logger = createLogger({
    name: 'authn-test',
    level: process.env.TEST_LOG_LEVEL ?? 'warn',
    pretty: false,
  });
  const ctx = await createContext({ configPath: configFile, name: 'authn-test', logger });
  const authn = createAuthn(ctx, opts);
  await authn.start();
  for (let i = 0; i < 200 && !(await authn.ready()); i++) await new Promise((r) => setTimeout(r, 50));

  let keyN = 0;
  return {
    dir,
    ctx,
    authn,
    authUrl,
    issuer,
    async pendingSignin(overrides = {}) {
      const keyFile = join(dir, `id_${++keyN}`);
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'client', '-f', keyFile]);
      const publicKey = readFileSync(`${keyFile}.pub`, 'utf8').trim();
      const fp = execFileSync('ssh-keygen', ['-l', '-f', `${keyFile}.pub`], { encoding: 'utf8' }).split(
        ' ',
      )[1] as string;
      const now = Date.now();
      const signin: PendingSignin = {
        userCode: randomId(),
        keyFingerprint: fp,
        publicKey,
        clientAddress: '192.0.2.7:52044',
        sshUsername: 'alice',
        edgeId: 'edge-test',
        createdAt: now,
        expiresAt: now + 15 * 60_000,
        status: 'pending',
        ...overrides,
      };
      await ctx.registry.createSignin(signin);
      return { signin, url: `${authUrl}/.pomerium/sign_in?user_code=${signin.userCode}`, keyFile };
    },
    async stop() {
      await authn.stop();
      await idp.stop();
      await closeContext(ctx);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
