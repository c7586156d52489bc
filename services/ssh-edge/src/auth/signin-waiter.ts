import type { Bus } from '@drawbridge/bus';
import type { PendingSignin } from '@drawbridge/protocol';
import type { Registry } from '@drawbridge/registry';
import { DEFAULT_SIGNIN_POLL_MS } from '../options.js';

/**
 * Waits for pending sign-ins to leave `pending`. One bus subscription serves every waiter; a 500 ms
 * registry poll is the safety net for a missed event (bus reconnects, another authn replica).
 */
export class SigninWaiter {
  private readonly waiters = new Map<string, Set<(p: PendingSignin) => void>>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly registry: Registry,
    bus: Bus,
    private readonly pollMs = DEFAULT_SIGNIN_POLL_MS,
  ) {
    this.unsubscribe = bus.subscribe('signin.resolved', ({ signin }) => {
      if (signin && typeof signin.userCode === 'string') this.settle(signin);
    });
  }

  private settle(p: PendingSignin): void {
    if (p.status === 'pending') return;
    const set = this.waiters.get(p.userCode);
    if (!set) return;
    this.waiters.delete(p.userCode);
    for (const fn of set) fn(p);
  }

  /**
   * Resolves with the sign-in once approved/denied, or with status `expired` at `expiresAt`
   * (after atomically marking it expired so a late approval cannot be used). Rejects on abort.
   */
  wait(signin: PendingSignin, now: () => number, signal?: AbortSignal): Promise<PendingSignin> {
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (p: PendingSignin) => {
        if (done) return;
        done = true;
        clearInterval(poll);
        clearTimeout(expiry);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.get(signin.userCode)?.delete(finish);
        resolve(p);
      };
      const onAbort = () => {
        if (done) return;
        done = true;
        clearInterval(poll);
        clearTimeout(expiry);
        this.waiters.get(signin.userCode)?.delete(finish);
        reject(signal?.reason ?? new Error('aborted'));
      };
      let set = this.waiters.get(signin.userCode);
      if (!set) {
        set = new Set();
        this.waiters.set(signin.userCode, set);
      }
      set.add(finish);
      const poll = setInterval(() => {
        this.registry.getSignin(signin.userCode).then(
          (p) => {
            if (p && p.status !== 'pending') finish(p);
          },
          () => {},
        );
      }, this.pollMs);
      const expiry = setTimeout(
        async () => {
          const expired = await this.registry
            .resolveSignin(signin.userCode, (p) => ({
              ...p,
              status: 'expired',
              reason: 'not approved in time',
            }))
            .catch(() => undefined);
          // Lost the race: it was approved or denied just now; take that answer.
          finish(
            expired ??
              (await this.registry.getSignin(signin.userCode).catch(() => undefined)) ?? {
                ...signin,
                status: 'expired',
              },
          );
        },
        Math.max(0, signin.expiresAt - now()),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    this.unsubscribe();
    this.waiters.clear();
  }
}
