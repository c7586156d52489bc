import * as oidc from 'openid-client';
import { authnKey, seal, unseal } from '../lib/seal.js';

/** One sign-in round trip to the IdP, kept encrypted in a short-lived cookie on the authenticate host. */
export interface LoginState {
  state: string;
  nonce: string;
  verifier: string;
  /** Path on the authenticate host to return to afterwards (always starts with a single `/`). */
  returnTo: string;
  exp: number;
}

const PREFIX = '_pomerium_oidc_';

/** One cookie per round trip, so two tabs signing in at once do not overwrite each other. */
export function loginCookieName(state: string): string {
  return `${PREFIX}${state.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 16)}`;
}

/** Fresh state, nonce and PKCE verifier for a new round trip. */
export function newLoginState(returnTo: string, ttlMs: number, now: number): LoginState {
  return {
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    verifier: oidc.randomPKCECodeVerifier(),
    returnTo: returnTo.startsWith('/') && !returnTo.startsWith('//') ? returnTo : '/.pomerium/',
    exp: now + ttlMs,
  };
}

export function sealLoginState(cookieSecret: string, s: LoginState): Promise<string> {
  return seal(authnKey(cookieSecret, 'login-state'), s);
}

/** Opens a login cookie; undefined when missing, tampered or past its expiry. */
export async function openLoginState(
  cookieSecret: string,
  sealed: string | undefined,
  now: number,
): Promise<LoginState | undefined> {
  const s = await unseal<LoginState>(authnKey(cookieSecret, 'login-state'), sealed);
  return s && typeof s.state === 'string' && s.exp > now ? s : undefined;
}
