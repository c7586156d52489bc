import { hostname } from 'node:os';
import { createBus } from '@drawbridge/bus';
import { watchConfig } from '@drawbridge/config';
import { createLogger, type Logger } from '@drawbridge/log';
import { randomId } from '@drawbridge/protocol';
import { createStore, Registry } from '@drawbridge/registry';
import type { ServiceContext } from './service.js';

export interface ContextOptions {
  /** Config file or directory. */
  configPath: string;
  /** Names the process in logs and bus messages. */
  name: string;
  logger?: Logger;
}

/** Loads the config (watched), then opens the registry and bus it names. */
export async function createContext(opts: ContextOptions): Promise<ServiceContext> {
  const logger = opts.logger ?? createLogger({ name: opts.name });
  const config = watchConfig(opts.configPath, { logger });
  const c = config.current().config;
  logger.level = c.log_level;
  const instanceId = `${hostname()}-${process.pid}-${randomId().slice(0, 6)}`;
  const store = await createStore({
    type: c.databroker_storage_type as 'memory' | 'file' | 'redis',
    connection: c.databroker_storage_connection_string,
    logger,
  });
  const registry = new Registry(store);
  const bus = await createBus({
    natsUrl: c.nats_url,
    sharedSecret: c.shared_secret,
    origin: `${opts.name}@${instanceId}`,
    logger,
  });
  return { config, logger, registry, bus, instanceId, now: Date.now };
}

/** Closes what `createContext` opened. */
export async function closeContext(ctx: ServiceContext): Promise<void> {
  ctx.config.close();
  await Promise.allSettled([ctx.bus.close(), ctx.registry.close()]);
}
