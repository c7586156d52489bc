// Process mode: `node services/dev-idp/dist/main.js --config <file|dir>` (or DRAWBRIDGE_CONFIG).
import { runServiceMain } from '@drawbridge/runtime';
import { createDevIdp } from './service.js';

await runServiceMain('dev-idp', createDevIdp);
