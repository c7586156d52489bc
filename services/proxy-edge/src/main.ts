import type { AuthzApi } from '@drawbridge/protocol';
import { createContext, runServices } from '@drawbridge/runtime';
import { createProxyEdge } from './service.js';

/** Process mode: `node services/proxy-edge/dist/main.js --config <file|dir>`. */
async function main(): Promise<void> {
  const i = process.argv.indexOf('--config');
  const configPath = (i >= 0 ? process.argv[i + 1] : undefined) ?? process.env.DRAWBRIDGE_CONFIG;
  if (!configPath) {
    console.error('usage: proxy-edge --config <config.yaml or directory> (or set DRAWBRIDGE_CONFIG)');
    process.exit(2);
  }
  const ctx = await createContext({ configPath, name: 'proxy-edge' });
  const c = ctx.config.current().config;
  if (!c.authenticate_internal_url) {
    ctx.logger.fatal(
      'set authenticate_internal_url to authn’s internal URL (e.g. http://authn:8081) so the authenticate host can be served',
    );
    process.exit(2);
  }
  // Distributed mode asks authz over the bus (request/reply `authz.evaluate`, queue-grouped on NATS).
  const authz: AuthzApi = { evaluate: (request) => ctx.bus.request('authz.evaluate', request) };
  const edge = createProxyEdge(ctx, {
    authz,
    authenticateUrl: () => ctx.config.current().config.authenticate_internal_url as string,
  });
  await runServices(ctx, [edge]);
  for (const line of edge.describe?.() ?? []) ctx.logger.info(line);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
