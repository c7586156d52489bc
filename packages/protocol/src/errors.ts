/** Base of every error Drawbridge code throws on purpose. Callers branch on `code`, never on text. */
export class DrawbridgeError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown>;
  constructor(
    code: string,
    message: string,
    opts: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DrawbridgeError';
    this.code = code;
    this.details = opts.details ?? {};
  }
}

export const ERR_TOKEN_INVALID = 'DRAWBRIDGE_TOKEN_INVALID';
export const ERR_TOKEN_EXPIRED = 'DRAWBRIDGE_TOKEN_EXPIRED';
export const ERR_COOKIE_INVALID = 'DRAWBRIDGE_COOKIE_INVALID';

export function isDrawbridgeError(err: unknown, code?: string): err is DrawbridgeError {
  return err instanceof DrawbridgeError && (code === undefined || err.code === code);
}
