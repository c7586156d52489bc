import type { Config } from '@drawbridge/config';
import { randomId, type Session } from '@drawbridge/protocol';
import type { Registry } from '@drawbridge/registry';
import { createRemoteJWKSet, decodeJwt, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { UserCa } from '../ca/load.js';
import { mintUserCertificate, parseUserPublicKey, principalsFor } from '../ca/mint.js';
import { AuthnError, ERR_BAD_REQUEST, ERR_TOKEN_EXCHANGE_DENIED, ERR_USER_CA_INVALID } from '../errors.js';
import type { IdpClient } from '../oidc/client.js';
import { identityFromClaims } from '../session/identity.js';

/** What `POST /.pomerium/ssh/certificate` answers. */
export interface CertificateExchangeResult {
  certificate: string;
  key_id: string;
  principals: string[];
  valid_before: string;
}

const jwksCache = new Map<string, JWTVerifyGetKey>();

async function issuerKeys(issuer: string, jwksUrl: string | undefined): Promise<JWTVerifyGetKey> {
  let url = jwksUrl;
  if (!url) {
    const res = await fetch(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
    if (!res.ok) throw new Error(`discovery at ${issuer} answered ${res.status}`);
    url = String(((await res.json()) as { jwks_uri?: string }).jwks_uri ?? '');
    if (!url) throw new Error(`${issuer} publishes no jwks_uri`);
  }
  let keys = jwksCache.get(url);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(url));
    jwksCache.set(url, keys);
  }
  return keys;
}

const denied = (message: string, cause?: unknown) =>
  new AuthnError(ERR_TOKEN_EXCHANGE_DENIED, 'Token refused', message, { cause });

/**
 * Exchanges an ID token from the configured IdP (or a `ssh_token_exchange_issuers` entry) for a
 * short-lived user certificate for `public_key`: CI with BatchMode=yes, no browser.
 */
export async function exchangeIdToken(
  deps: { config: Config; idp: IdpClient; ca: UserCa | undefined; registry: Registry; now: number },
  body: unknown,
): Promise<CertificateExchangeResult> {
  const b = (body ?? {}) as { public_key?: unknown; id_token?: unknown };
  if (typeof b.public_key !== 'string' || typeof b.id_token !== 'string') {
    throw new AuthnError(
      ERR_BAD_REQUEST,
      'Bad request',
      'send JSON {"public_key": "<OpenSSH public key>", "id_token": "<JWT>"}',
    );
  }
  if (!deps.ca) {
    throw new AuthnError(
      ERR_USER_CA_INVALID,
      'No user CA',
      'ssh_user_ca_key_file is not configured, so no certificates can be issued',
    );
  }
  const key = parseUserPublicKey(b.public_key);
  let iss: string | undefined;
  try {
    iss = decodeJwt(b.id_token).iss;
  } catch (err) {
    throw denied('id_token is not a JWT', err);
  }
  let payload: JWTPayload;
  let emailClaim = 'email';
  const { config: c, idp } = deps;
  try {
    if (idp.ready() && iss === idp.issuer()) {
      ({ payload } = await jwtVerify(b.id_token, idp.keys(), {
        issuer: iss,
        audience: idp.settings.clientId,
        currentDate: new Date(deps.now),
      }));
    } else {
      const trusted = c.ssh_token_exchange_issuers.find((t) => t.issuer === iss);
      if (!trusted)
        throw denied(
          `tokens from issuer ${iss ?? '(none)'} are not accepted; add it to ssh_token_exchange_issuers`,
        );
      emailClaim = trusted.email_claim;
      ({ payload } = await jwtVerify(b.id_token, await issuerKeys(trusted.issuer, trusted.jwks_url), {
        issuer: trusted.issuer,
        audience: trusted.audience,
        currentDate: new Date(deps.now),
      }));
    }
  } catch (err) {
    if (err instanceof AuthnError) throw err;
    throw denied(`id_token verification failed: ${(err as Error).message}`, err);
  }
  if (typeof payload.exp !== 'number') throw denied('id_token has no exp claim');
  const claims = { ...payload, email: payload[emailClaim] } as Record<string, unknown>;
  let identity: Session['identity'];
  try {
    identity = identityFromClaims(claims);
  } catch (err) {
    throw denied(`id_token has no ${emailClaim} claim`, err);
  }
  const now = deps.now;
  const validBefore = now + c.ssh_certificate_ttl;
  const session: Session = {
    id: randomId(),
    identity,
    createdAt: now,
    expiresAt: validBefore,
    origin: 'token-exchange',
  };
  await deps.registry.putSession(session);
  const keyId = `drawbridge:${identity.email}:${session.id}`;
  const principals = principalsFor(identity.email);
  const certificate = mintUserCertificate(deps.ca, {
    publicKey: `${key.keyType} ${key.blob.toString('base64')}`,
    principals,
    keyId,
    validAfter: now - 60_000,
    validBefore,
  });
  return { certificate, key_id: keyId, principals, valid_before: new Date(validBefore).toISOString() };
}
