import type { Bus } from '@drawbridge/bus';
import type { Logger } from '@drawbridge/log';
import { openSessionCookie, randomId, type Session, sealSessionCookie } from '@drawbridge/protocol';
import type { Registry } from '@drawbridge/registry';
import { clearCookie, parseCookies, serializeCookie } from '../lib/cookies.js';
import type { IdpClient, IdpTokens } from '../oidc/client.js';
import { type AuthnSettings, DEFAULT_REFRESH_MARGIN_MS } from '../options.js';
import { identityFromClaims } from './identity.js';

const REFRESH_LOCK_MS = 30_000;
const SWEEP_INTERVAL_MS = 30_000;

export interface SessionManagerDeps {
  registry: Registry;
  bus: Bus;
  idp: () => IdpClient;
  settings: () => AuthnSettings;
  logger: Logger;
  now: () => number;
  refreshMarginMs?: number;
}

/** Authenticate-host sessions: created from OIDC tokens, kept in the registry, refreshed, ended. */
export class SessionManager {
  private sweep: NodeJS.Timeout | undefined;
  private readonly margin: number;

  constructor(private readonly deps: SessionManagerDeps) {
    this.margin = deps.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
  }

  /** Creates and stores a session for a completed sign-in (lifetime `cookie_expire`). */
  async create(tokens: IdpTokens, origin: Session['origin'] = 'browser'): Promise<Session> {
    let claims = tokens.claims;
    if (typeof claims.email !== 'string' && typeof claims.sub === 'string') {
      claims = { ...(await this.deps.idp().userinfo(tokens.accessToken, claims.sub)), ...claims };
    }
    const now = this.deps.now();
    const session: Session = {
      id: randomId(),
      identity: identityFromClaims(claims),
      createdAt: now,
      expiresAt: now + this.deps.settings().cookieExpireMs,
      origin,
      idToken: tokens.idToken,
      refreshToken: tokens.refreshToken,
      idTokenExpiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : undefined,
    };
    await this.deps.registry.putSession(session);
    return session;
  }

  /** The `Set-Cookie` value binding this browser to `session` on the authenticate host. */
  async cookieFor(session: Session): Promise<string> {
    const s = this.deps.settings();
    const iat = Math.floor(this.deps.now() / 1000);
    const exp = Math.floor(session.expiresAt / 1000);
    const sealed = await sealSessionCookie(s.cookieSecret, {
      sid: session.id,
      host: s.authenticateHost,
      iat,
      exp,
    });
    return serializeCookie(s.cookieName, sealed, { secure: s.secureCookies, maxAgeSeconds: exp - iat });
  }

  clearCookie(): string {
    const s = this.deps.settings();
    return clearCookie(s.cookieName, { secure: s.secureCookies });
  }

  /**
   * The live session named by the request's cookie, refreshed first when its ID token is about to
   * expire. Undefined for a missing, tampered, foreign-host or expired cookie and for ended sessions.
   */
  async fromCookieHeader(header: string | undefined): Promise<Session | undefined> {
    const s = this.deps.settings();
    const raw = parseCookies(header).get(s.cookieName);
    if (!raw) return undefined;
    let sid: string;
    try {
      sid = (await openSessionCookie(s.cookieSecret, raw, s.authenticateHost, this.deps.now())).sid;
    } catch (err) {
      this.deps.logger.info({ reason: (err as Error).message }, 'session cookie refused');
      return undefined;
    }
    const session = await this.deps.registry.getSession(sid);
    return session ? this.refreshIfDue(session) : undefined;
  }

  /** Refreshes when the ID token expires within the margin; ends the session when refresh fails. */
  async refreshIfDue(session: Session): Promise<Session | undefined> {
    const now = this.deps.now();
    if (!session.idTokenExpiresAt || session.idTokenExpiresAt - now > this.margin) return session;
    if (!session.refreshToken) {
      // Nothing to refresh with: the session lives on until cookie_expire, as Pomerium's does.
      return session;
    }
    const lockKey = `drawbridge:authn-refresh:${encodeURIComponent(session.id)}`;
    const locked = await this.deps.registry.store.setIfAbsent(lockKey, '1', REFRESH_LOCK_MS);
    if (!locked) return session; // Another request or replica is refreshing it right now.
    try {
      const tokens = await this.deps.idp().refresh(session.refreshToken);
      const claims = { ...session.identity.claims, ...tokens.claims };
      const next: Session = {
        ...session,
        identity: identityFromClaims(claims),
        idToken: tokens.idToken ?? session.idToken,
        refreshToken: tokens.refreshToken,
        idTokenExpiresAt: typeof tokens.claims.exp === 'number' ? tokens.claims.exp * 1000 : undefined,
      };
      await this.deps.registry.putSession(next);
      if (JSON.stringify(next.identity) !== JSON.stringify(session.identity)) {
        await this.deps.bus.publish('session.changed', { sessionId: session.id });
      }
      this.deps.logger.info({ sessionId: session.id }, 'session refreshed');
      return next;
    } catch (err) {
      this.deps.logger.warn(
        { sessionId: session.id, err: (err as Error).message },
        'refresh failed; ending session',
      );
      await this.end(session, 'refresh failed');
      return undefined;
    } finally {
      await this.deps.registry.store.delete(lockKey);
    }
  }

  /** Ends a session everywhere: registry record, bound keys, and a `session.revoked` event. */
  async end(session: Session, reason: string): Promise<void> {
    await this.deps.registry.deleteSession(session.id);
    for (const b of await this.deps.registry.listKeyBindings()) {
      if (b.sessionId === session.id) await this.deps.registry.unbindKey(b.fingerprint);
    }
    await this.deps.bus.publish('session.revoked', {
      sessionId: session.id,
      email: session.identity.email,
      reason,
    });
  }

  /** Refreshes due browser sessions in the background, so sessions end even when nobody visits. */
  startSweep(): void {
    this.sweep = setInterval(() => {
      this.sweepOnce().catch((err) => this.deps.logger.error({ err }, 'session sweep failed'));
    }, SWEEP_INTERVAL_MS);
    this.sweep.unref();
  }

  async sweepOnce(): Promise<void> {
    if (!this.deps.idp().ready()) return;
    for (const s of await this.deps.registry.listSessions()) {
      if (s.refreshToken && s.expiresAt > this.deps.now()) await this.refreshIfDue(s);
    }
  }

  stopSweep(): void {
    if (this.sweep) clearInterval(this.sweep);
  }
}
