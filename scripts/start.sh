#!/usr/bin/env bash
# `npm start`: install, build, write a development setup on first run, start all-in-one.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
DIR="${DRAWBRIDGE_DIR:-.drawbridge}"
if [ ! -f "$DIR/config.yaml" ]; then
  node packages/cli/bin/drawbridge.mjs init --dir "$DIR" ${DRAWBRIDGE_EMAIL:+--email "$DRAWBRIDGE_EMAIL"}
fi
exec node packages/cli/bin/drawbridge.mjs start --config "$DIR"
