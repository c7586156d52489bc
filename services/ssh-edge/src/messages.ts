import { isDrawbridgeError } from '@drawbridge/protocol';
import {
  ERR_CHANNEL_FAILED,
  ERR_EDGE_DRAINING,
  ERR_LIMIT_REACHED,
  ERR_ROUTE_NOT_FOUND,
  ERR_SESSION_ENDED,
  ERR_SIGNIN_DENIED,
  ERR_SIGNIN_EXPIRED,
  ERR_SIGNIN_UNAVAILABLE,
  ERR_TUNNEL_DENIED,
  ERR_TUNNEL_DETACHED,
  ERR_TUNNEL_NOT_FOUND,
  ERR_TUNNELS_DISABLED,
} from './errors.js';

/** The exact lines the stock client prints for a browser sign-in (Pomerium's wording). */
export const SIGNIN_PROMPT = 'Please sign in with oidc to continue';
/** Shown to clients that offered no key at all. */
export const NO_KEY_HINT =
  'Tip: create a key with `ssh-keygen -t ed25519` and the next connection will skip the browser.';

/**
 * The one place typed errors become text an SSH user reads (disconnect descriptions, screen lines,
 * keyboard-interactive notices). Unknown errors get a generic line; details go to the log only.
 */
export function sshMessageFor(err: unknown): string {
  if (!isDrawbridgeError(err))
    return 'Drawbridge: internal error; try again, and contact your administrator if it persists';
  switch (err.code) {
    case ERR_SIGNIN_DENIED:
      return 'Sign-in was denied in the browser. Permission denied.';
    case ERR_SIGNIN_EXPIRED:
      return 'Sign-in was not approved in time. Reconnect to get a new sign-in link.';
    case ERR_SIGNIN_UNAVAILABLE:
      return 'Drawbridge: sign-in is unavailable right now (the session store does not answer). Try again in a minute.';
    case ERR_SESSION_ENDED:
      return `Your Drawbridge session ended (${err.message}). Reconnect to sign in again.`;
    case ERR_EDGE_DRAINING:
      return 'This Drawbridge ssh-edge is shutting down; reconnect to continue on another one.';
    case ERR_LIMIT_REACHED:
    case ERR_ROUTE_NOT_FOUND:
    case ERR_TUNNELS_DISABLED:
    case ERR_TUNNEL_DENIED:
    case ERR_TUNNEL_NOT_FOUND:
    case ERR_TUNNEL_DETACHED:
    case ERR_CHANNEL_FAILED:
      return `Drawbridge: ${err.message}`;
    default:
      return `Drawbridge: ${err.message}`;
  }
}

/** HTTP status the data-plane listener answers for a dial error. */
export function httpStatusFor(err: unknown): number {
  if (!isDrawbridgeError(err)) return 502;
  switch (err.code) {
    case ERR_TUNNEL_NOT_FOUND:
      return 404;
    case ERR_TUNNEL_DETACHED:
    case ERR_LIMIT_REACHED:
    case ERR_EDGE_DRAINING:
      return 503;
    default:
      return 502;
  }
}
