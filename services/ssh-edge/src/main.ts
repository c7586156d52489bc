// Process mode: `node services/ssh-edge/dist/main.js --config <file|dir>` (or DRAWBRIDGE_CONFIG).
import { AuthzBusClient } from '@drawbridge/bus';
import { runServiceMain } from '@drawbridge/runtime';
import { createSshEdge } from './edge.js';

// Decisions come from the authz service over the bus (request/reply `authz.evaluate`).
await runServiceMain('ssh-edge', (ctx) => createSshEdge(ctx, { authz: new AuthzBusClient(ctx.bus) }));
