/// <reference path="./oidc-provider.d.ts" />
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Provider } from 'oidc-provider';
import type { DevIdpSettings, DevIdpUser } from './options.js';
import { errorPage, logoutPage, signedOutPage } from './pages.js';

/** Optional lifetimes (seconds); tests shorten the ID token to exercise refresh. */
export interface ProviderTtls {
  idTokenSeconds?: number;
  accessTokenSeconds?: number;
}

type Ctx = {
  body: unknown;
  type: string;
  host: string;
  oidc: {
    client?: { clientId: string };
    session: { accountId?: string; grantIdFor(clientId: string): string | undefined };
    result?: { consent?: { grantId?: string } };
  };
};

const GRANTED_SCOPES = 'openid email profile groups offline_access';

/** Builds the oidc-provider instance: one static client, static users, consent pre-granted for that client. */
export function buildProvider(s: DevIdpSettings, ttls: ProviderTtls = {}): Provider {
  const usersByEmail = new Map<string, DevIdpUser>(s.users.map((u) => [u.email, u]));
  // A fresh signing key per start: the dev IdP keeps no state, so nothing older must verify.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = {
    ...privateKey.export({ format: 'jwk' }),
    kid: randomBytes(8).toString('hex'),
    use: 'sig',
    alg: 'RS256',
  };

  let provider: Provider;
  const ensureGrant = async (ctx: Ctx) => {
    const client = ctx.oidc.client;
    const accountId = ctx.oidc.session.accountId;
    if (!client || !accountId) return undefined;
    const existing = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(client.clientId);
    if (existing) {
      const found = await provider.Grant.find(existing);
      if (found) return found;
    }
    // Consent is skipped for the configured client only, as Dex's skipApprovalScreen does.
    if (client.clientId !== s.clientId) return undefined;
    const grant = new provider.Grant({ clientId: client.clientId, accountId });
    grant.addOIDCScope(GRANTED_SCOPES);
    grant.addOIDCClaims(['email', 'email_verified', 'name', 'groups', 'preferred_username']);
    await grant.save();
    return grant;
  };

  const day = 24 * 3600;
  const ttl: Record<string, number> = {
    AccessToken: ttls.accessTokenSeconds ?? 3600,
    AuthorizationCode: 60,
    IdToken: ttls.idTokenSeconds ?? 3600,
    Interaction: 600,
    RefreshToken: 14 * day,
    Session: 14 * day,
    Grant: 14 * day,
  };

  provider = new Provider(s.issuer, {
    clients: [
      {
        client_id: s.clientId,
        client_secret: s.clientSecret,
        redirect_uris: s.redirectUris,
        post_logout_redirect_uris: s.postLogoutRedirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    scopes: ['openid', 'email', 'profile', 'groups', 'offline_access'],
    claims: {
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username', 'groups'],
      groups: ['groups'],
    },
    // Put the claims in the ID token too, so a relying party needs no userinfo call.
    conformIdTokenClaims: false,
    async findAccount(_ctx: unknown, sub: string) {
      const user = usersByEmail.get(sub);
      if (!user) return undefined;
      return {
        accountId: user.email,
        async claims() {
          return {
            sub: user.email,
            email: user.email,
            email_verified: true,
            name: user.name ?? user.email,
            preferred_username: user.email.split('@')[0],
            groups: user.groups,
          };
        },
      };
    },
    loadExistingGrant: ensureGrant,
    // Refresh tokens for the configured client even without prompt=consent (oidc-provider drops
    // offline_access otherwise), so relying parties can refresh as they would against Dex.
    async issueRefreshToken(_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) {
      return client.grantTypeAllowed('refresh_token');
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    jwks: { keys: [jwk] },
    ttl,
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx: Ctx, form: string) {
          ctx.type = 'html';
          ctx.body = logoutPage(form, ctx.host);
        },
        async postLogoutSuccessSource(ctx: Ctx) {
          ctx.type = 'html';
          ctx.body = signedOutPage();
        },
      },
    },
    async renderError(ctx: Ctx, out: Record<string, unknown>) {
      ctx.type = 'html';
      ctx.body = errorPage(out);
    },
  });
  return provider;
}
