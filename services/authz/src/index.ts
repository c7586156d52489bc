export { type Authz, type AuthzOptions, createAuthz } from './authz.js';
export { AuthzError, ERR_AUTHZ_BAD_REQUEST, ERR_AUTHZ_NO_ENGINE } from './errors.js';
