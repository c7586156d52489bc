import type { Logger } from '@drawbridge/log';
import { Bus } from './bus.js';
import { InProcessTransport } from './in-process.js';

export interface BusSettings {
  /** `nats_url`; absent = in-process. */
  natsUrl?: string;
  sharedSecret: string;
  origin: string;
  logger?: Logger;
}

/** Opens the bus the config names. */
export async function createBus(settings: BusSettings): Promise<Bus> {
  // TODO(issue 8): NATS transport when natsUrl is set.
  return new Bus({ transport: new InProcessTransport(), ...settings });
}
