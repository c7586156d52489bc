// Process mode: `node services/authn/dist/main.js --config <file|dir>` (or DRAWBRIDGE_CONFIG).
import { runServiceMain } from '@drawbridge/runtime';
import { createAuthn } from './service.js';

await runServiceMain('authn', createAuthn);
