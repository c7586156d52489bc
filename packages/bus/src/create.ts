import type { Logger } from '@drawbridge/log';
import { Bus } from './bus.js';
import { InProcessTransport } from './in-process.js';
import { NatsTransport } from './nats.js';

export interface BusSettings {
  /** `nats_url`; absent = in-process. */
  natsUrl?: string;
  sharedSecret: string;
  origin: string;
  logger?: Logger;
  /** How long to wait for the first NATS connection. */
  connectTimeoutMs?: number;
}

/**
 * Opens the bus the config names: NATS when `natsUrl` is set (rejecting with
 * DRAWBRIDGE_BUS_UNAVAILABLE when the first connection fails), otherwise in-process.
 * @example const bus = await createBus({ natsUrl: 'nats://127.0.0.1:4222', sharedSecret, origin: 'authz@host-1' });
 */
export async function createBus(settings: BusSettings): Promise<Bus> {
  const { natsUrl, connectTimeoutMs, ...rest } = settings;
  const transport = natsUrl
    ? await NatsTransport.connect({
        url: natsUrl,
        name: settings.origin,
        logger: settings.logger,
        connectTimeoutMs,
      })
    : new InProcessTransport();
  return new Bus({ transport, ...rest });
}
