import { openSessionCookie, type Session } from '@drawbridge/protocol';
import type { Registry } from '@drawbridge/registry';

/** How long a session read from the registry is trusted without asking again (revocation events cut it short). */
export const DEFAULT_SESSION_CACHE_MS = 5_000;
const MAX_ENTRIES = 20_000;

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

  /** The live session behind `cookie` on `host`, or undefined for a missing, forged, expired or revoked one. */
  async restore(cookie: string | undefined, host: string): Promise<Session | undefined> {
    if (!cookie) return undefined;
    const now = this.now();
    const key = `${host}\u0000${cookie}`;
    let hit = this.cookies.get(key);
    if (hit === undefined) {
      try {
        const opened = await openSessionCookie(this.cookieSecret(), cookie, host, now);
        hit = { sid: opened.sid, exp: opened.exp * 1000 };
      } catch {
        return undefined;
      }
      if (this.cookies.size >= MAX_ENTRIES) this.cookies.clear();
      this.cookies.set(key, hit);
    }
    if (hit.exp <= now) {
      this.cookies.delete(key);
      return undefined;
    }
    return this.session(hit.sid, now);
  }

  /** The session by id, from the short cache or the registry. */
  async session(sid: string, now = this.now()): Promise<Session | undefined> {
    const cached = this.sessions.get(sid);
    if (cached && cached.until > now) {
      return cached.session && cached.session.expiresAt > now ? cached.session : undefined;
    }
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
