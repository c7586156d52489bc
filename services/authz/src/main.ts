// Process mode: `node services/authz/dist/main.js --config <file|dir>` (or DRAWBRIDGE_CONFIG).
import { runServiceMain } from '@drawbridge/runtime';
import { createAuthz } from './authz.js';

// Answers `authz.evaluate` on the bus (queue-grouped, so replicas share the load) and over HTTP.
await runServiceMain('authz', (ctx) => createAuthz({ config: ctx.config, bus: ctx.bus, logger: ctx.logger }));
