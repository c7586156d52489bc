export { Bus, type BusOptions, DEFAULT_REQUEST_TIMEOUT_MS, type EventMeta } from './bus.js';
export type { BusTransport } from './transport.js';
export { InProcessTransport } from './in-process.js';
export { BusError, ERR_BUS_NO_RESPONDER, ERR_BUS_REMOTE, ERR_BUS_TIMEOUT, ERR_BUS_UNAVAILABLE } from './errors.js';
export { createBus, type BusSettings } from './create.js';
export { EnvelopeCodec, type Envelope, MAX_MESSAGE_AGE_MS } from './envelope.js';
