export type { AuthzApi, TunnelDialer } from './apis.js';
export { openSessionCookie, SESSION_COOKIE_NAME, type SessionCookie, sealSessionCookie } from './cookie.js';
export {
  DrawbridgeError,
  ERR_COOKIE_INVALID,
  ERR_TOKEN_EXPIRED,
  ERR_TOKEN_INVALID,
  isDrawbridgeError,
} from './errors.js';
export type { BusEventName, BusEvents, BusRequestName, BusRequests } from './events.js';
export { BUS_EVENT_NAMES } from './events.js';
export { hostOf, randomId } from './ids.js';
export { deriveKey, type KeyPurpose } from './keys.js';
export { type InternalTokenClaims, signInternalToken, verifyInternalToken } from './tokens.js';
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
