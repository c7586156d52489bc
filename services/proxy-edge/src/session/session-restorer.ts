import { openSessionCookie, type Session } from '@drawbridge/protocol';
import type { Registry } from '@drawbridge/registry';

/** How long a session read from the registry is trusted without asking again (revocation events cut it short). */
export const DEFAULT_SESSION_CACHE_MS = 5_000;
const MAX_ENTRIES = 20_000;

/** A value, or a promise of it when it has to be fetched. */
export type MaybePromise<T> = T | Promise<T>;

interface CookieHit {
  sid: string;
  exp: number;
}

/**
 * Route-host cookie → session. Decrypting the cookie (JWE) and reading the registry are the costly
 * steps, so both are cached briefly; `session.revoked` / `session.changed` events drop entries at once.
 */
export class SessionRestorer {
  private readonly cookies = new Map<string, CookieHit>();
  private readonly sessions = new Map<string, { session: Session | undefined; until: number }>();

  constructor(
    private readonly registry: Registry,
    private readonly cookieSecret: () => string,
    private readonly now: () => number,
    private readonly cacheMs = DEFAULT_SESSION_CACHE_MS,
  ) {}

  /**
   * The live session behind `cookie` on `host`, or undefined for a missing, forged, expired or
   * revoked one. Answered synchronously when both caches hit (the common case), so the request path
   * allocates no promise for it.
   */
  restore(cookie: string | undefined, host: string): MaybePromise<Session | undefined> {
    if (!cookie) return undefined;
    const now = this.now();
    const key = `${host}\u0000${cookie}`;
    const hit = this.cookies.get(key);
    if (hit === undefined) return this.open(key, cookie, host, now);
    if (hit.exp <= now) {
      this.cookies.delete(key);
      return undefined;
    }
    return this.session(hit.sid, now);
  }

  private async open(key: string, cookie: string, host: string, now: number): Promise<Session | undefined> {
    let hit: CookieHit;
    try {
      const opened = await openSessionCookie(this.cookieSecret(), cookie, host, now);
      hit = { sid: opened.sid, exp: opened.exp * 1000 };
    } catch {
      return undefined;
    }
    if (this.cookies.size >= MAX_ENTRIES) this.cookies.clear();
    this.cookies.set(key, hit);
    if (hit.exp <= now) {
      this.cookies.delete(key);
      return undefined;
    }
    return this.session(hit.sid, now);
  }

  /** The session by id, from the short cache (synchronously) or the registry. */
  session(sid: string, now = this.now()): MaybePromise<Session | undefined> {
    const cached = this.sessions.get(sid);
    if (cached && cached.until > now) {
      return cached.session && cached.session.expiresAt > now ? cached.session : undefined;
    }
    return this.read(sid, now);
  }

  private async read(sid: string, now: number): Promise<Session | undefined> {
    const session = await this.registry.getSession(sid);
    if (this.sessions.size >= MAX_ENTRIES) this.sessions.clear();
    this.sessions.set(sid, { session, until: now + this.cacheMs });
    return session;
  }

  /** Forgets a session (revoked or changed elsewhere). */
  forget(sid: string): void {
    this.sessions.delete(sid);
  }

  /** Forgets everything (cookie secret rotated). */
  clear(): void {
    this.cookies.clear();
    this.sessions.clear();
  }
}
