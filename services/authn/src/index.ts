export { loadUserCa, type UserCa, userCaFromPrivateKey } from './ca/load.js';
export {
  type CertificateRequest,
  DEFAULT_CERT_EXTENSIONS,
  mintUserCertificate,
  parseUserPublicKey,
  principalsFor,
  type UserPublicKey,
} from './ca/mint.js';
export {
  AuthnError,
  ERR_BAD_REQUEST,
  ERR_CSRF_INVALID,
  ERR_IDP_ERROR,
  ERR_IDP_UNAVAILABLE,
  ERR_OIDC_CALLBACK_FAILED,
  ERR_OIDC_STATE_INVALID,
  ERR_ORIGIN_INVALID,
  ERR_PUBLIC_KEY_INVALID,
  ERR_RATE_LIMITED,
  ERR_REDIRECT_NOT_ALLOWED,
  ERR_SESSION_REQUIRED,
  ERR_SIGNIN_EXPIRED,
  ERR_SIGNIN_NOT_FOUND,
  ERR_SIGNIN_USED,
  ERR_TOKEN_EXCHANGE_DENIED,
  ERR_USER_CA_INVALID,
  ERR_USER_CA_PERMISSIONS,
  isAuthnError,
} from './errors.js';
export {
  CALLBACK_PATH,
  DEFAULT_IDP_CLIENT_ID,
  DEFAULT_IDP_ISSUER,
  DEFAULT_LOGIN_TTL_MS,
  DEFAULT_SIGNIN_RATE_LIMIT,
  DEFAULT_SIGNIN_RATE_WINDOW_MS,
  derivedClientSecret,
} from './options.js';
export { type Authn, type AuthnOptions, createAuthn } from './service.js';
export type { CertificateExchangeResult } from './token-exchange/exchange.js';
