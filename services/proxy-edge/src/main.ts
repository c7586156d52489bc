// Process mode: `node services/proxy-edge/dist/main.js --config <file|dir>` (or DRAWBRIDGE_CONFIG).
import { AuthzBusClient } from '@drawbridge/bus';
import { runServiceMain } from '@drawbridge/runtime';
import { createProxyEdge } from './service.js';

await runServiceMain('proxy-edge', (ctx) => {
  if (!ctx.config.current().config.authenticate_internal_url) {
    throw new Error(
      'set authenticate_internal_url to authn’s internal URL (e.g. http://authn:8081) so the authenticate host can be served',
    );
  }
  // Decisions come from the authz service over the bus (request/reply `authz.evaluate`, queue-grouped on NATS).
  return createProxyEdge(ctx, {
    authz: new AuthzBusClient(ctx.bus),
    authenticateUrl: () => ctx.config.current().config.authenticate_internal_url as string,
  });
});
