import type { Bus } from '@drawbridge/bus';
import type { Config } from '@drawbridge/config';
import type { Logger } from '@drawbridge/log';
import type { Registry } from '@drawbridge/registry';
import type { UserCa } from './ca/load.js';
import type { IdpClient } from './oidc/client.js';
import type { AuthnSettings } from './options.js';
import type { SessionManager } from './session/manager.js';
import type { RateLimiter } from './signin/rate-limit.js';

/** What every authn route works with; built once by `createAuthn`. */
export interface AuthnDeps {
  config: () => Config;
  settings: () => AuthnSettings;
  registry: Registry;
  bus: Bus;
  logger: Logger;
  now: () => number;
  idp: () => IdpClient;
  sessions: SessionManager;
  ca: () => UserCa | undefined;
  limiter: RateLimiter;
  loginTtlMs: number;
}
