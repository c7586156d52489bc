/** Stable codes for what authn refuses; the HTTP layer maps them to a status and a page. */
export const ERR_SIGNIN_NOT_FOUND = 'DRAWBRIDGE_SIGNIN_NOT_FOUND';
export const ERR_SIGNIN_EXPIRED = 'DRAWBRIDGE_SIGNIN_EXPIRED';
export const ERR_SIGNIN_USED = 'DRAWBRIDGE_SIGNIN_USED';
export const ERR_RATE_LIMITED = 'DRAWBRIDGE_RATE_LIMITED';
export const ERR_CSRF_INVALID = 'DRAWBRIDGE_CSRF_INVALID';
export const ERR_ORIGIN_INVALID = 'DRAWBRIDGE_ORIGIN_INVALID';
export const ERR_OIDC_STATE_INVALID = 'DRAWBRIDGE_OIDC_STATE_INVALID';
export const ERR_OIDC_CALLBACK_FAILED = 'DRAWBRIDGE_OIDC_CALLBACK_FAILED';
export const ERR_IDP_UNAVAILABLE = 'DRAWBRIDGE_IDP_UNAVAILABLE';
export const ERR_IDP_ERROR = 'DRAWBRIDGE_IDP_ERROR';
export const ERR_REDIRECT_NOT_ALLOWED = 'DRAWBRIDGE_REDIRECT_NOT_ALLOWED';
export const ERR_SESSION_REQUIRED = 'DRAWBRIDGE_SESSION_REQUIRED';
export const ERR_USER_CA_INVALID = 'DRAWBRIDGE_USER_CA_INVALID';
/** The user CA private key is readable by group or others; `chmod 600` it. */
export const ERR_USER_CA_PERMISSIONS = 'DRAWBRIDGE_USER_CA_PERMISSIONS';
export const ERR_PUBLIC_KEY_INVALID = 'DRAWBRIDGE_PUBLIC_KEY_INVALID';
export const ERR_TOKEN_EXCHANGE_DENIED = 'DRAWBRIDGE_TOKEN_EXCHANGE_DENIED';
export const ERR_BAD_REQUEST = 'DRAWBRIDGE_BAD_REQUEST';

const STATUS: Record<string, number> = {
  [ERR_SIGNIN_NOT_FOUND]: 404,
  [ERR_SIGNIN_EXPIRED]: 410,
  [ERR_SIGNIN_USED]: 410,
  [ERR_RATE_LIMITED]: 429,
  [ERR_CSRF_INVALID]: 403,
  [ERR_ORIGIN_INVALID]: 403,
  [ERR_OIDC_STATE_INVALID]: 400,
  [ERR_OIDC_CALLBACK_FAILED]: 400,
  [ERR_IDP_UNAVAILABLE]: 503,
  [ERR_IDP_ERROR]: 400,
  [ERR_REDIRECT_NOT_ALLOWED]: 400,
  [ERR_SESSION_REQUIRED]: 401,
  [ERR_USER_CA_INVALID]: 500,
  [ERR_USER_CA_PERMISSIONS]: 500,
  [ERR_PUBLIC_KEY_INVALID]: 400,
  [ERR_TOKEN_EXCHANGE_DENIED]: 401,
  [ERR_BAD_REQUEST]: 400,
};

/** An error authn raises on purpose: a stable `code`, a message a person can act on, a title for pages. */
export class AuthnError extends Error {
  readonly code: string;
  readonly title: string;
  readonly details: Record<string, unknown>;
  constructor(
    code: string,
    title: string,
    message: string,
    opts: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AuthnError';
    this.code = code;
    this.title = title;
    this.details = opts.details ?? {};
  }

  /** The HTTP status this error is answered with. */
  get status(): number {
    return STATUS[this.code] ?? 500;
  }
}

export function isAuthnError(err: unknown, code?: string): err is AuthnError {
  return err instanceof AuthnError && (code === undefined || err.code === code);
}
