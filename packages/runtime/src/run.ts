import type { Server } from 'node:http';
import { closeContext } from './context.js';
import { dependenciesReady } from './dependencies.js';
import { startHealthServer } from './health.js';
import type { Service, ServiceContext } from './service.js';

export interface RunningServices {
  stop(reason?: string): Promise<void>;
  healthPort?: number;
}

/**
 * Starts services in order, serves health checks, and on SIGTERM/SIGINT drains them in reverse
 * order within `ssh_drain_grace_period` before exiting.
 */
export async function runServices(
  ctx: ServiceContext,
  services: Service[],
  opts: { handleSignals?: boolean } = {},
): Promise<RunningServices> {
  const c = ctx.config.current().config;
  for (const s of services) {
    await s.start();
    ctx.logger.info({ service: s.name }, `${s.name} started`);
  }
  let health: { server: Server; port: number; draining: { value: boolean } } | undefined;
  if (c.health_address)
    health = await startHealthServer(c.health_address, services, undefined, () => dependenciesReady(ctx));
  let stopping: Promise<void> | undefined;
  const stop = (reason = 'stop requested') => {
    stopping ??= (async () => {
      ctx.logger.info({ reason }, 'draining');
      if (health) health.draining.value = true;
      const graceMs = ctx.config.current().config.ssh_drain_grace_period;
      for (const s of [...services].reverse()) {
        await s.stop({ graceMs }).catch((err) => ctx.logger.error({ err, service: s.name }, 'stop failed'));
      }
      health?.server.close();
      await closeContext(ctx);
    })();
    return stopping;
  };
  if (opts.handleSignals !== false) {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      process.once(sig, () => {
        stop(sig).finally(() => process.exit(0));
      });
    }
  }
  return { stop, healthPort: health?.port };
}
