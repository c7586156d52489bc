import { hkdfSync } from 'node:crypto';
import type { Config } from '@drawbridge/config';

/** Code lookups one client address may make per window before getting 429. */
export const DEFAULT_SIGNIN_RATE_LIMIT = 30;
export const DEFAULT_SIGNIN_RATE_WINDOW_MS = 60_000;
/** How long a browser has between leaving for the IdP and coming back. */
export const DEFAULT_LOGIN_TTL_MS = 10 * 60_000;
/** Refresh an ID token this long before it expires. */
export const DEFAULT_REFRESH_MARGIN_MS = 60_000;
/** Path of the OIDC redirect URI on the authenticate host (Pomerium's). */
export const CALLBACK_PATH = '/oauth2/callback';
/** Issuer used when neither `idp_provider_url` nor `dev_idp.address` says otherwise. */
export const DEFAULT_IDP_ISSUER = 'http://127.0.0.1:5556';
export const DEFAULT_IDP_CLIENT_ID = 'drawbridge';

/** What authn reads from the config, recomputed per request so a reload takes effect at once. */
export interface AuthnSettings {
  /** `authenticate_service_url` without a trailing slash. */
  publicBase: string;
  publicOrigin: string;
  authenticateHost: string;
  /** Cookies get `Secure` only when the public URL is https (a plain-http dev URL would drop them). */
  secureCookies: boolean;
  cookieName: string;
  cookieSecret: string;
  sharedSecret: string;
  cookieExpireMs: number;
  certificateTtlMs: number;
  idp: { issuer: string; clientId: string; clientSecret: string; scopes: string[]; redirectUri: string };
}

/**
 * Same derivation as dev-idp's: used when `idp_client_secret` is unset so an all-in-one config with a
 * dev_idp block and no client keys still works (services never import each other).
 */
export function derivedClientSecret(sharedSecret: string): string {
  const ikm = Buffer.from(sharedSecret, 'base64');
  return Buffer.from(
    hkdfSync('sha256', ikm, 'drawbridge', 'drawbridge/dev-idp-client-secret/v1', 32),
  ).toString('base64url');
}

function defaultIssuer(c: Config): string {
  if (c.idp_provider_url) return c.idp_provider_url;
  const addr = c.dev_idp?.address;
  if (!addr) return DEFAULT_IDP_ISSUER;
  const host = addr.replace(/:\d+$/, '');
  const port = addr.slice(host.length + 1);
  return `http://${host === '' || host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
}

/** Resolves authn's settings from a config. */
export function authnSettings(c: Config): AuthnSettings {
  const publicBase = c.authenticate_service_url.replace(/\/+$/, '');
  const u = new URL(publicBase);
  return {
    publicBase,
    publicOrigin: u.origin,
    authenticateHost: c.authenticateHost,
    secureCookies: u.protocol === 'https:',
    cookieName: c.cookie_name,
    cookieSecret: c.cookie_secret,
    sharedSecret: c.shared_secret,
    cookieExpireMs: c.cookie_expire,
    certificateTtlMs: c.ssh_certificate_ttl,
    idp: {
      issuer: defaultIssuer(c).replace(/\/+$/, ''),
      clientId: c.idp_client_id ?? DEFAULT_IDP_CLIENT_ID,
      clientSecret: c.idp_client_secret ?? derivedClientSecret(c.shared_secret),
      scopes: c.idp_scopes,
      redirectUri: `${publicBase}${CALLBACK_PATH}`,
    },
  };
}
