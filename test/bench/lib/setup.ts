import { readFileSync, writeFileSync } from 'node:fs';
import { type DevSetup, initDevSetup } from '@drawbridge/cli';
import { parse } from 'yaml';
import { freePort } from '../../kit/index.js';

/** A `drawbridge init` setup on free loopback ports, plus the secrets the bench needs to mint cookies. */
export interface BenchSetup extends DevSetup {
  httpsPort: number;
  routeHost: string;
  cookieSecret: string;
  sharedSecret: string;
}

/** Runs the real `initDevSetup` into `dir` with free ports, bound to loopback only. */
export async function benchSetup(
  dir: string,
  opts: { storage?: 'memory' | 'file' } = {},
): Promise<BenchSetup> {
  const httpsPort = await freePort();
  const setup = initDevSetup({
    dir,
    httpsPort,
    sshPort: await freePort(),
    idpPort: await freePort(),
    bindHost: '127.0.0.1',
    storage: opts.storage,
    force: true,
  });
  const cfg = parse(readFileSync(setup.configFile, 'utf8')) as {
    cookie_secret: string;
    shared_secret: string;
  };
  return {
    ...setup,
    httpsPort,
    routeHost: new URL(setup.routeUrl).hostname,
    cookieSecret: cfg.cookie_secret,
    sharedSecret: cfg.shared_secret,
  };
}

/** Inserts top-level keys right after `cookie_secret:` (appending would land inside `routes:`). */
export function addTopLevelKeys(configFile: string, lines: string[]): void {
  const text = readFileSync(configFile, 'utf8');
  writeFileSync(configFile, text.replace(/^(cookie_secret: .*\n)/m, `$1${lines.join('\n')}\n`));
}

/** Switches a setup to the distributed stores: Redis registry and NATS bus, authn on a fixed internal port. */
export async function makeDistributed(setup: BenchSetup, redisUrl: string, natsUrl: string): Promise<void> {
  const text = readFileSync(setup.configFile, 'utf8').replace(/^databroker_storage_.*\n/gm, '');
  writeFileSync(setup.configFile, text);
  const authnPort = await freePort();
  addTopLevelKeys(setup.configFile, [
    'databroker_storage_type: redis',
    `databroker_storage_connection_string: ${redisUrl}`,
    `nats_url: ${natsUrl}`,
    `authenticate_internal_address: 127.0.0.1:${authnPort}`,
    `authenticate_internal_url: http://127.0.0.1:${authnPort}`,
  ]);
}
