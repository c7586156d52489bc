#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `pnpm build` (npm start and npm test build first).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
if (!existsSync(dist)) {
  console.error('drawbridge is not built yet: run `pnpm build` (or `npm start`) in the repository first.');
  process.exit(1);
}
const { main } = await import(dist);
process.exitCode = await main(process.argv.slice(2));
