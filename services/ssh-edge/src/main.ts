// Process mode: `node services/ssh-edge/dist/main.js --config <file|dir>`.
import { AuthzBusClient } from '@drawbridge/bus';
import { createContext, runServices } from '@drawbridge/runtime';
import { createSshEdge } from './edge.js';

function configPath(argv: string[]): string {
  const i = argv.indexOf('--config');
  const fromArgs =
    i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--config='))?.slice('--config='.length);
  const path = fromArgs ?? process.env.DRAWBRIDGE_CONFIG;
  if (!path) {
    process.stderr.write('usage: ssh-edge --config <config.yaml or directory> (or set DRAWBRIDGE_CONFIG)\n');
    process.exit(2);
  }
  return path;
}

const ctx = await createContext({ configPath: configPath(process.argv.slice(2)), name: 'ssh-edge' });
// Decisions come from the authz service over the bus (request/reply `authz.evaluate`).
const authz = new AuthzBusClient(ctx.bus);
const edge = createSshEdge(ctx, { authz });
await runServices(ctx, [edge]);
for (const line of edge.describe?.() ?? []) ctx.logger.info(line);
