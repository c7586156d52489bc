import { DrawbridgeError } from '@drawbridge/protocol';

/** A body on the evaluate API that is not an EvaluateRequest. */
export const ERR_AUTHZ_BAD_REQUEST = 'DRAWBRIDGE_AUTHZ_BAD_REQUEST';
/** The first config generation's policies do not compile, so authz has no engine to answer with. */
export const ERR_AUTHZ_NO_ENGINE = 'DRAWBRIDGE_AUTHZ_NO_ENGINE';

export class AuthzError extends DrawbridgeError {
  constructor(
    code: string,
    message: string,
    opts: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(code, message, opts);
    this.name = 'AuthzError';
  }
}
