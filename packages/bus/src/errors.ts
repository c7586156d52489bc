import { DrawbridgeError } from '@drawbridge/protocol';

export const ERR_BUS_TIMEOUT = 'DRAWBRIDGE_BUS_TIMEOUT';
export const ERR_BUS_NO_RESPONDER = 'DRAWBRIDGE_BUS_NO_RESPONDER';
export const ERR_BUS_UNAVAILABLE = 'DRAWBRIDGE_BUS_UNAVAILABLE';
export const ERR_BUS_REMOTE = 'DRAWBRIDGE_BUS_REMOTE_ERROR';

export class BusError extends DrawbridgeError {
  constructor(code: string, message: string, opts: { cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = 'BusError';
  }
}
