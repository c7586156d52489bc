import { createHmac, timingSafeEqual } from 'node:crypto';
import { deriveKey } from '@drawbridge/protocol';

/** A CSRF token bound to one session and one user code: useless in any other browser or for any other code. */
export function csrfToken(cookieSecret: string, sessionId: string, userCode: string): string {
  return createHmac('sha256', deriveKey(cookieSecret, 'csrf'))
    .update(`${sessionId}\n${userCode}`)
    .digest('base64url');
}

/** Constant-time check of a submitted token. */
export function csrfValid(
  cookieSecret: string,
  sessionId: string,
  userCode: string,
  submitted: string | undefined,
): boolean {
  if (!submitted) return false;
  const expected = Buffer.from(csrfToken(cookieSecret, sessionId, userCode));
  const got = Buffer.from(submitted);
  return got.length === expected.length && timingSafeEqual(got, expected);
}
