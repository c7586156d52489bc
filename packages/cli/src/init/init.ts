import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateSshKey, type SshKeyType } from './keys.js';
import { generatePassword, hashPassword } from './password.js';
import { renderConfig } from './template.js';
import { generateDevCertificate } from './tls.js';

export const DEFAULT_INIT_DIR = '.drawbridge';
export const DEFAULT_EMAIL = 'alice@example.com';

export interface InitOptions {
  dir?: string;
  email?: string;
  /** Public HTTPS port (default 8443). */
  httpsPort?: number;
  sshPort?: number;
  idpPort?: number;
  /** Interface to listen on; default all for HTTPS/SSH, loopback for the dev IdP. */
  bindHost?: string;
  /** Route host (default hello.localhost) and authenticate host (authenticate.localhost). */
  routeHost?: string;
  authenticateHost?: string;
  storage?: 'memory' | 'file';
  /** Overwrite an existing setup. */
  force?: boolean;
}

export interface DevSetup {
  dir: string;
  configFile: string;
  email: string;
  password: string;
  routeUrl: string;
  authenticateUrl: string;
  sshPort: number;
  /** The exact command that publishes localhost:3000. */
  sshCommand: string;
}

const HOST_KEYS: SshKeyType[] = ['ed25519', 'rsa', 'ecdsa'];

function writePrivate(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/**
 * Writes a ready-to-run development setup: secrets, SSH host keys, user CA, TLS certificate,
 * config with one tunnel route, and a dev-IdP user whose password goes to `dev-idp-password`.
 */
export function initDevSetup(opts: InitOptions = {}): DevSetup {
  const dir = resolve(opts.dir ?? DEFAULT_INIT_DIR);
  const configFile = join(dir, 'config.yaml');
  if (existsSync(configFile) && !opts.force) {
    throw new Error(`${configFile} already exists; pass --force to overwrite it`);
  }
  const email = opts.email ?? DEFAULT_EMAIL;
  const httpsPort = opts.httpsPort ?? 8443;
  const sshPort = opts.sshPort ?? 2222;
  const idpPort = opts.idpPort ?? 5556;
  const routeHost = opts.routeHost ?? 'hello.localhost';
  const authHost = opts.authenticateHost ?? 'authenticate.localhost';
  const portSuffix = httpsPort === 443 ? '' : `:${httpsPort}`;
  const bind = opts.bindHost ?? '';
  const loopback = opts.bindHost ?? '127.0.0.1';

  mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, 'certs'), { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, 'data'), { recursive: true, mode: 0o700 });

  for (const type of HOST_KEYS) {
    const k = generateSshKey(type, `drawbridge host key (${type})`);
    writePrivate(join(dir, 'keys', `pomerium_ssh_host_${type}_key`), k.privateKey);
    writeFileSync(join(dir, 'keys', `pomerium_ssh_host_${type}_key.pub`), k.publicKey);
  }
  const ca = generateSshKey('ed25519', 'drawbridge user CA');
  writePrivate(join(dir, 'keys', 'pomerium_user_ca_key'), ca.privateKey);
  writeFileSync(join(dir, 'keys', 'pomerium_user_ca_key.pub'), ca.publicKey);

  const tls = generateDevCertificate([routeHost, authHost]);
  writeFileSync(join(dir, 'certs', 'cert.pem'), tls.cert);
  writePrivate(join(dir, 'certs', 'key.pem'), tls.key);

  const password = generatePassword();
  writePrivate(join(dir, 'dev-idp-password'), `${password}\n`);

  const secret = () => randomBytes(32).toString('base64');
  const routeUrl = `https://${routeHost}${portSuffix}`;
  const authenticateUrl = `https://${authHost}${portSuffix}`;
  writePrivate(
    configFile,
    renderConfig({
      sharedSecret: secret(),
      cookieSecret: secret(),
      clientSecret: randomBytes(24).toString('base64url'),
      email,
      passwordHash: hashPassword(password),
      address: `${bind}:${httpsPort}`,
      sshAddress: `${bind}:${sshPort}`,
      idpAddress: `${loopback}:${idpPort}`,
      authenticateUrl,
      routeUrl,
      idpUrl: `http://${loopback}:${idpPort}`,
      storage: opts.storage ?? 'file',
    }),
  );
  return {
    dir,
    configFile,
    email,
    password,
    routeUrl,
    authenticateUrl,
    sshPort,
    sshCommand: `ssh -R ${routeHost}:443:localhost:3000 -N localhost -p ${sshPort}`,
  };
}
