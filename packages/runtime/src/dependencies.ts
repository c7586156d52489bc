import type { ServiceContext } from './service.js';

/** How long a dependency may take to answer a readiness ping before it counts as down. */
export const DEFAULT_DEPENDENCY_PING_TIMEOUT_MS = 1_000;

async function answers(ping: () => Promise<void>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([ping().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether the registry and the bus this process shares with others answer right now; `/readyz`
 * reports not-ready while either is down so balancers and Kubernetes stop sending work.
 */
export async function dependenciesReady(
  ctx: Pick<ServiceContext, 'registry' | 'bus'>,
  timeoutMs = DEFAULT_DEPENDENCY_PING_TIMEOUT_MS,
): Promise<{ registry: boolean; bus: boolean }> {
  const [registry, bus] = await Promise.all([
    answers(() => ctx.registry.store.ping(), timeoutMs),
    answers(() => ctx.bus.ping(), timeoutMs),
  ]);
  return { registry, bus };
}
