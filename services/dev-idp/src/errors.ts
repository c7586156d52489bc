/** Stable codes for what the dev IdP refuses; callers branch on `code`. */
export const ERR_DEV_IDP_NOT_CONFIGURED = 'DRAWBRIDGE_DEV_IDP_NOT_CONFIGURED';
export const ERR_DEV_IDP_BAD_PASSWORD_HASH = 'DRAWBRIDGE_DEV_IDP_BAD_PASSWORD_HASH';

/** An error the dev IdP raises on purpose, with a stable `code`. */
export class DevIdpError extends Error {
  readonly code: string;
  constructor(code: string, message: string, opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DevIdpError';
    this.code = code;
  }
}
