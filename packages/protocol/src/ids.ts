import { randomBytes } from 'node:crypto';

/** 128-bit random id, base64url (22 chars): user codes, session ids, tunnel ids. */
export function randomId(): string {
  return randomBytes(16).toString('base64url');
}

/** Lowercased host of a URL or `host[:port]`, without port: the key routes are matched on. */
export function hostOf(urlOrHost: string): string {
  const s = urlOrHost.includes('://') ? new URL(urlOrHost).hostname : urlOrHost;
  return s
    .replace(/:\d+$/, '')
    .replace(/^\[|\]$/g, '')
    .toLowerCase();
}
