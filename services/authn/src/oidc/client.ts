import type { Logger } from '@drawbridge/log';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import * as oidc from 'openid-client';
import { AuthnError, ERR_IDP_UNAVAILABLE } from '../errors.js';
import type { AuthnSettings } from '../options.js';

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;

/** Tokens from a code or refresh grant, as authn keeps them. */
export interface IdpTokens {
  idToken?: string;
  refreshToken?: string;
  accessToken: string;
  claims: Record<string, unknown>;
}

/**
 * The relying-party side of one OIDC provider: discovery (retried until the IdP answers), the
 * authorization URL, code and refresh grants, RP-initiated logout and the IdP's JWKS.
 */
export class IdpClient {
  private config: oidc.Configuration | undefined;
  private jwks: JWTVerifyGetKey | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private discovering: Promise<void> | undefined;

  constructor(
    readonly settings: AuthnSettings['idp'],
    private readonly logger: Logger,
  ) {}

  /** Starts discovery in the background; `ready()` turns true once the IdP has answered. */
  start(): void {
    this.discovering ??= this.discoverLoop();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  ready(): boolean {
    return this.config !== undefined;
  }

  /** Resolves once discovery succeeded (or rejects after `timeoutMs`). */
  async whenReady(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.config) {
      if (Date.now() > deadline) throw this.unavailable();
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private unavailable(cause?: unknown): AuthnError {
    return new AuthnError(
      ERR_IDP_UNAVAILABLE,
      'Identity provider unavailable',
      `The identity provider at ${this.settings.issuer} is not answering. Try again in a moment; if it persists, check idp_provider_url.`,
      { cause },
    );
  }

  private async discoverLoop(): Promise<void> {
    let delay = RETRY_MIN_MS;
    while (!this.stopped && !this.config) {
      try {
        const issuer = new URL(this.settings.issuer);
        const config = await oidc.discovery(
          issuer,
          this.settings.clientId,
          { client_secret: this.settings.clientSecret },
          oidc.ClientSecretBasic(this.settings.clientSecret),
          // The dev IdP and lab setups serve plain http on loopback; production issuers are https.
          issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
        );
        const jwksUri = config.serverMetadata().jwks_uri;
        this.jwks = jwksUri ? createRemoteJWKSet(new URL(jwksUri)) : undefined;
        this.config = config;
        this.logger.info({ issuer: this.settings.issuer }, 'identity provider discovered');
      } catch (err) {
        this.logger.warn(
          { issuer: this.settings.issuer, err: (err as Error).message },
          'identity provider not reachable yet; retrying',
        );
        await new Promise<void>((r) => {
          this.timer = setTimeout(r, delay);
        });
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }

  private configuration(): oidc.Configuration {
    if (!this.config) throw this.unavailable();
    return this.config;
  }

  /** The IdP's discovered issuer (what `iss` in its ID tokens says). */
  issuer(): string {
    return this.configuration().serverMetadata().issuer;
  }

  /** Verification keys of the IdP, for ID tokens presented to the token exchange. */
  keys(): JWTVerifyGetKey {
    if (!this.jwks) throw this.unavailable();
    return this.jwks;
  }

  authorizationUrl(p: { state: string; nonce: string; codeChallenge: string }): URL {
    return oidc.buildAuthorizationUrl(this.configuration(), {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scopes.join(' '),
      state: p.state,
      nonce: p.nonce,
      code_challenge: p.codeChallenge,
      code_challenge_method: 'S256',
    });
  }

  /** Exchanges the code in `callbackUrl`, checking state, nonce and PKCE; throws the IdP's error as is. */
  async exchangeCode(
    callbackUrl: URL,
    checks: { state: string; nonce: string; verifier: string },
  ): Promise<IdpTokens> {
    const tokens = await oidc.authorizationCodeGrant(this.configuration(), callbackUrl, {
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      pkceCodeVerifier: checks.verifier,
      idTokenExpected: true,
    });
    return this.toTokens(tokens);
  }

  async refresh(refreshToken: string): Promise<IdpTokens> {
    const tokens = await oidc.refreshTokenGrant(this.configuration(), refreshToken);
    return this.toTokens(tokens, refreshToken);
  }

  /** Claims from the userinfo endpoint, for IdPs whose ID token omits email or groups. */
  async userinfo(accessToken: string, sub: string): Promise<Record<string, unknown>> {
    return (await oidc.fetchUserInfo(this.configuration(), accessToken, sub)) as Record<string, unknown>;
  }

  /** The RP-initiated logout URL, or undefined when the IdP has no `end_session_endpoint`. */
  endSessionUrl(idToken: string | undefined, postLogoutRedirectUri: string): URL | undefined {
    const c = this.configuration();
    if (!c.serverMetadata().end_session_endpoint) return undefined;
    const params: Record<string, string> = {
      post_logout_redirect_uri: postLogoutRedirectUri,
      client_id: this.settings.clientId,
    };
    if (idToken) params.id_token_hint = idToken;
    return oidc.buildEndSessionUrl(c, params);
  }

  private toTokens(
    t: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
    previousRefresh?: string,
  ): IdpTokens {
    return {
      idToken: t.id_token,
      // Some IdPs rotate refresh tokens, others return none on refresh: keep the old one then.
      refreshToken: t.refresh_token ?? previousRefresh,
      accessToken: t.access_token,
      claims: (t.claims() ?? {}) as Record<string, unknown>,
    };
  }
}
