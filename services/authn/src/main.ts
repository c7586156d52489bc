import { createContext, runServices } from '@drawbridge/runtime';
import { createAuthn } from './service.js';

// Process mode: `node services/authn/dist/main.js --config <file|dir>` (or DRAWBRIDGE_CONFIG).
const i = process.argv.indexOf('--config');
const configPath = (i >= 0 ? process.argv[i + 1] : undefined) ?? process.env.DRAWBRIDGE_CONFIG;
if (!configPath) {
  process.stderr.write('usage: authn --config <config.yaml or directory> (or set DRAWBRIDGE_CONFIG)\n');
  process.exit(2);
}
const ctx = await createContext({ configPath, name: 'authn' });
await runServices(ctx, [createAuthn(ctx)]);
