import { hkdfSync } from 'node:crypto';
import type { Config } from '@drawbridge/config';
import { DevIdpError, ERR_DEV_IDP_NOT_CONFIGURED } from './errors.js';

/** Where the dev IdP listens and what issuer it names when the config says nothing else. */
export const DEFAULT_DEV_IDP_ADDRESS = '127.0.0.1:5556';
export const DEFAULT_DEV_IDP_ISSUER = 'http://127.0.0.1:5556';
/** Client id the dev IdP registers when `idp_client_id` is unset. */
export const DEFAULT_DEV_IDP_CLIENT_ID = 'drawbridge';

/** One static user of the dev IdP. */
export interface DevIdpUser {
  email: string;
  name?: string;
  groups: string[];
  passwordHash: string;
}

/** Everything the dev IdP needs, resolved once from the config and then frozen. */
export interface DevIdpSettings {
  issuer: string;
  address: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  users: DevIdpUser[];
}

/**
 * The client secret both sides use when `idp_client_secret` is unset. authn derives the same value
 * (services never import each other), so an all-in-one config without IdP keys still signs in.
 */
export function derivedClientSecret(sharedSecret: string): string {
  const ikm = Buffer.from(sharedSecret, 'base64');
  return Buffer.from(
    hkdfSync('sha256', ikm, 'drawbridge', 'drawbridge/dev-idp-client-secret/v1', 32),
  ).toString('base64url');
}

/** Reads the dev IdP's settings; throws DRAWBRIDGE_DEV_IDP_NOT_CONFIGURED without a `dev_idp` block. */
export function resolveDevIdpSettings(c: Config): DevIdpSettings {
  if (!c.dev_idp) {
    throw new DevIdpError(
      ERR_DEV_IDP_NOT_CONFIGURED,
      'the config has no dev_idp block; add one with at least one user',
    );
  }
  const authBase = c.authenticate_service_url.replace(/\/+$/, '');
  const issuer = (c.idp_provider_url ?? DEFAULT_DEV_IDP_ISSUER).replace(/\/+$/, '');
  const settings: DevIdpSettings = {
    issuer,
    address: c.dev_idp.address ?? DEFAULT_DEV_IDP_ADDRESS,
    clientId: c.idp_client_id ?? DEFAULT_DEV_IDP_CLIENT_ID,
    clientSecret: c.idp_client_secret ?? derivedClientSecret(c.shared_secret),
    redirectUris: [`${authBase}/oauth2/callback`, ...(c.dev_idp.client_redirect_uris ?? [])],
    postLogoutRedirectUris: [`${authBase}/.pomerium/signed_out`],
    users: c.dev_idp.users.map((u) => ({
      email: u.email.toLowerCase(),
      name: u.name,
      groups: u.groups ?? [],
      passwordHash: u.password_hash,
    })),
  };
  return Object.freeze(settings);
}
