import { createContext, runServices } from '@drawbridge/runtime';
import { createDevIdp } from './service.js';

// Process mode: `node services/dev-idp/dist/main.js --config <file|dir>` (or DRAWBRIDGE_CONFIG).
const i = process.argv.indexOf('--config');
const configPath = (i >= 0 ? process.argv[i + 1] : undefined) ?? process.env.DRAWBRIDGE_CONFIG;
if (!configPath) {
  process.stderr.write('usage: dev-idp --config <config.yaml or directory> (or set DRAWBRIDGE_CONFIG)\n');
  process.exit(2);
}
const ctx = await createContext({ configPath, name: 'dev-idp' });
await runServices(ctx, [createDevIdp(ctx)]);
