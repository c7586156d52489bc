import { DrawbridgeError } from '@drawbridge/protocol';

export const ERR_REGISTRY_UNAVAILABLE = 'DRAWBRIDGE_REGISTRY_UNAVAILABLE';
export const ERR_REGISTRY_CONFLICT = 'DRAWBRIDGE_REGISTRY_CONFLICT';

/** The registry could not be read or written; callers fail closed. */
export class RegistryError extends DrawbridgeError {
  constructor(code: string, message: string, opts: { cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = 'RegistryError';
  }
}
