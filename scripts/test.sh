#!/usr/bin/env bash
# `npm test`: install what the tests need, build, typecheck, lint, then run every test once.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --test-deps
pnpm exec turbo run typecheck --output-logs=errors-only
pnpm exec biome check --diagnostic-level=error .
node scripts/run-tests.mjs packages services test "$@"
