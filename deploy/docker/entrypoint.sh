#!/bin/sh
# Picks the process to run; `exec` so Node replaces this shell and gets tini's signals directly.
#   <no args>              → $DRAWBRIDGE_SERVICE (set with --build-arg SERVICE=… or the env)
#   ssh-edge|authn|…       → node services/<name>/dist/main.js --config $DRAWBRIDGE_CONFIG [args]
#   drawbridge [args]      → the CLI (init, config check, start --services …, tunnels ls, …)
#   anything else          → run as given (e.g. node services/authn/dist/main.js --config …)
set -eu
if [ "$#" -eq 0 ]; then
  if [ -z "${DRAWBRIDGE_SERVICE:-}" ]; then
    echo "drawbridge: no service chosen; pass one of ssh-edge, authn, authz, proxy-edge, dev-idp (or set DRAWBRIDGE_SERVICE)" >&2
    exit 64
  fi
  set -- "$DRAWBRIDGE_SERVICE"
fi
case "$1" in
  ssh-edge|authn|authz|proxy-edge|dev-idp)
    name="$1"
    shift
    exec node "/app/services/$name/dist/main.js" --config "${DRAWBRIDGE_CONFIG:-/etc/drawbridge}" "$@"
    ;;
  drawbridge)
    shift
    exec node /app/packages/cli/bin/drawbridge.mjs "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
