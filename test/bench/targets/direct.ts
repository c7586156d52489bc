import type { Target } from './target.js';

/** Client → local service, nothing in between: the ceiling. */
export function directTarget(upstreamPort: number): Target {
  return {
    key: 'direct',
    label: 'Direct',
    url: `http://127.0.0.1:${upstreamPort}`,
    connectHost: '127.0.0.1',
    connectPort: upstreamPort,
    headers: {},
    gatewayPids: () => [],
    stop: async () => {},
  };
}
