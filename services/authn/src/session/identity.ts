import type { Identity } from '@drawbridge/protocol';
import { AuthnError, ERR_OIDC_CALLBACK_FAILED } from '../errors.js';

/** Builds an Identity from ID token (and userinfo) claims; refuses one with no email. */
export function identityFromClaims(claims: Record<string, unknown>): Identity {
  const email = typeof claims.email === 'string' ? claims.email : undefined;
  if (!email) {
    throw new AuthnError(
      ERR_OIDC_CALLBACK_FAILED,
      'No email address',
      'The identity provider did not return an email address. Add the "email" scope to idp_scopes and allow it for this client.',
    );
  }
  const groups = Array.isArray(claims.groups)
    ? claims.groups.filter((g): g is string => typeof g === 'string')
    : [];
  return {
    sub: String(claims.sub ?? email),
    email,
    name: typeof claims.name === 'string' ? claims.name : undefined,
    groups,
    claims,
  };
}
