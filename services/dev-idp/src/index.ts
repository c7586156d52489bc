export { DevIdpError, ERR_DEV_IDP_BAD_PASSWORD_HASH, ERR_DEV_IDP_NOT_CONFIGURED } from './errors.js';
export {
  DEFAULT_DEV_IDP_ADDRESS,
  DEFAULT_DEV_IDP_CLIENT_ID,
  DEFAULT_DEV_IDP_ISSUER,
  type DevIdpSettings,
  type DevIdpUser,
  derivedClientSecret,
  resolveDevIdpSettings,
} from './options.js';
export { hashPassword, verifyPassword } from './password.js';
export type { ProviderTtls } from './provider.js';
export { createDevIdp, type DevIdp, type DevIdpOptions } from './service.js';
