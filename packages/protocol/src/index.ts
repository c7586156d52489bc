export type {
  Decision,
  DecisionReason,
  EdgeRecord,
  EvaluateRequest,
  Identity,
  KeyBinding,
  PendingSignin,
  PolicyInput,
  Session,
  SigninStatus,
  TunnelRecord,
  TunnelState,
} from './types.js';
export type { BusEventName, BusEvents, BusRequestName, BusRequests } from './events.js';
export { BUS_EVENT_NAMES } from './events.js';
export { DrawbridgeError, ERR_COOKIE_INVALID, ERR_TOKEN_EXPIRED, ERR_TOKEN_INVALID, isDrawbridgeError } from './errors.js';
export { deriveKey, type KeyPurpose } from './keys.js';
export { signInternalToken, verifyInternalToken, type InternalTokenClaims } from './tokens.js';
export { openSessionCookie, sealSessionCookie, SESSION_COOKIE_NAME, type SessionCookie } from './cookie.js';
export { hostOf, randomId } from './ids.js';
export type { AuthzApi, TunnelDialer } from './apis.js';
