#!/usr/bin/env bash
# `npm run bench`: installs what the benchmark drives (Debian openssh-server, wrk, curl, redis, nats),
# builds the services, then runs test/bench/run.ts. Flags pass through: --quick, --soak, --only=…
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || need+=(nats-server)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bench: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # wrk is optional (autocannon is the fallback), so a release without it does not stop the bench.
    apt-get install -y -qq --no-install-recommends "${need[@]/wrk/}" >/dev/null
    apt-get install -y -qq --no-install-recommends wrk >/dev/null 2>&1 || echo "bench: wrk unavailable, using autocannon"
  else
    echo "bench: needs ${need[*]}; install them (e.g. sudo apt-get install ${need[*]}) or run as root" >&2
    exit 1
  fi
fi
# sshd refuses to start without its privilege-separation directory, which only the service unit creates.
if [ "$(id -u)" = 0 ]; then mkdir -p /run/sshd && chmod 0755 /run/sshd; fi
export PATH="$PATH:/usr/sbin"

if [ ! -d node_modules ]; then bash scripts/bootstrap.sh; fi
# Drawbridge runs from dist/ as `drawbridge start` does; a failed build falls back to sources.
pnpm exec turbo run build --output-logs=errors-only >/dev/null 2>&1 || {
  echo "bench: build failed; Drawbridge will run from sources through tsx"
  export DRAWBRIDGE_BENCH_SOURCES=1
}

exec node --conditions=development --import tsx test/bench/run.ts "$@"
