import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one proxy-edge (own registry, so several instances in one process stay apart). */
export class ProxyMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'status'>;
  readonly latency: Histogram<'route'>;
  readonly authzSeconds: Histogram;
  readonly tunnelDialFailures: Counter;
  readonly openWebSockets: Gauge;

  constructor(tunnelCounts: () => Map<string, number>) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'drawbridge_proxy_requests_total',
      help: 'Requests served, by route and HTTP status',
      labelNames: ['route', 'status'],
      registers,
    });
    this.latency = new Histogram({
      name: 'drawbridge_proxy_request_duration_seconds',
      help: 'Time from request to response end, by route',
      labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    });
    this.authzSeconds = new Histogram({
      name: 'drawbridge_proxy_authz_decision_seconds',
      help: 'Time to get an authorization decision (cache misses only)',
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25],
      registers,
    });
    this.tunnelDialFailures = new Counter({
      name: 'drawbridge_proxy_tunnel_dial_failures_total',
      help: 'Streams that could not be opened through a tunnel',
      registers,
    });
    this.openWebSockets = new Gauge({
      name: 'drawbridge_proxy_open_websockets',
      help: 'WebSockets being relayed',
      registers,
    });
    new Gauge({
      name: 'drawbridge_proxy_tunnels',
      help: 'Attached tunnels known to this proxy-edge, by route',
      labelNames: ['route'],
      registers,
      collect() {
        this.reset();
        for (const [route, n] of tunnelCounts()) this.set({ route }, n);
      },
    });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
