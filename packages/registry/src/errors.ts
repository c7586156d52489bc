import { DrawbridgeError } from '@drawbridge/protocol';

/** The backend (file or Redis) could not be read or written. */
export const ERR_REGISTRY_UNAVAILABLE = 'DRAWBRIDGE_REGISTRY_UNAVAILABLE';
/** An atomic update kept losing to concurrent writers. */
export const ERR_REGISTRY_CONFLICT = 'DRAWBRIDGE_REGISTRY_CONFLICT';
/** `databroker_storage_type` / `databroker_storage_connection_string` cannot be used. */
export const ERR_REGISTRY_CONFIG = 'DRAWBRIDGE_REGISTRY_CONFIG_INVALID';

/** The registry could not be read or written; callers fail closed. */
export class RegistryError extends DrawbridgeError {
  constructor(
    code: string,
    message: string,
    opts: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(code, message, opts);
    this.name = 'RegistryError';
  }
}
