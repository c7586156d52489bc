export { Bus, type BusOptions, DEFAULT_REQUEST_TIMEOUT_MS, type EventMeta } from './bus.js';
export {
  AuthzBusClient,
  type AuthzBusClientOptions,
  DEFAULT_AUTHZ_CACHE_MAX_ENTRIES,
  DEFAULT_AUTHZ_CACHE_TTL_MS,
} from './clients/authz.js';
export { type BusSettings, createBus } from './create.js';
export { type Envelope, EnvelopeCodec, MAX_MESSAGE_AGE_MS } from './envelope.js';
export {
  BusError,
  ERR_BUS_NO_RESPONDER,
  ERR_BUS_REMOTE,
  ERR_BUS_TIMEOUT,
  ERR_BUS_UNAVAILABLE,
} from './errors.js';
export { InProcessTransport } from './in-process.js';
export {
  DEFAULT_NATS_CONNECT_TIMEOUT_MS,
  DEFAULT_NATS_RECONNECT_WAIT_MS,
  NatsTransport,
  type NatsTransportOptions,
} from './nats.js';
export type { BusTransport, SubscribeOptions } from './transport.js';
