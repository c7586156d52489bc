#!/usr/bin/env node
// Runs every *.test.ts below the given folders with Node's own test runner, TypeScript loaded by tsx.
// Packages resolve to their sources through the "development" export condition, so no build is needed.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const roots = args.filter((a) => !a.startsWith('--'));
const passthrough = args.filter((a) => a.startsWith('--'));

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const files = roots.flatMap((r) => (statSync(r).isDirectory() ? collect(r, []) : [r])).sort();
if (files.length === 0) {
  console.log('no test files below', roots.join(' '));
  process.exit(0);
}
const res = spawnSync(
  process.execPath,
  // --test-force-exit: a test file whose last test timed out may leave handles open; the run must
  // still end (and fail) rather than wait for CI's limit.
  [
    '--conditions=development',
    '--import',
    'tsx',
    '--test',
    '--test-force-exit',
    '--test-timeout=300000',
    ...passthrough,
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(res.status ?? 1);
