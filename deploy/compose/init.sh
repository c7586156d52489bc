#!/bin/sh
# Writes (or finishes) a development setup for docker-compose.yml in DIR:
#   1. `drawbridge init --https-port 443` unless DIR/config.yaml exists already;
#   2. adjusts it for containers: the dev IdP listens on all interfaces of its container and is
#      reached as idp.localhost, the registry is Redis and the bus NATS (the compose environment
#      sets the same values; writing them here keeps `drawbridge config check DIR` truthful).
# test/kit/compose.ts runs step 2 of this very script on a setup made by initDevSetup.
set -eu
dir="${1:?usage: init.sh DIR}"
cli="${DRAWBRIDGE_CLI:-node /app/packages/cli/bin/drawbridge.mjs}"
if [ ! -f "$dir/config.yaml" ]; then
  # shellcheck disable=SC2086 # $cli is a command line on purpose
  $cli init --dir "$dir" --https-port 443 --email "${DRAWBRIDGE_EMAIL:-alice@example.com}"
fi
sed -i -E \
  -e 's|^(  address: )127\.0\.0\.1:([0-9]+)$|\1:\2|' \
  -e 's|^idp_provider_url: http://127\.0\.0\.1:([0-9]+)$|idp_provider_url: http://idp.localhost:\1|' \
  -e 's|^databroker_storage_type: .*$|databroker_storage_type: redis|' \
  -e 's|^databroker_storage_connection_string: .*$|databroker_storage_connection_string: redis://redis:6379\nnats_url: nats://nats:4222|' \
  "$dir/config.yaml"
# The services run as this same uid (DRAWBRIDGE_UID), so owner-only permissions are enough.
echo "drawbridge: compose setup ready in $dir"
echo "  dev IdP password: $(cat "$dir/dev-idp-password")"
