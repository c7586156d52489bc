#!/usr/bin/env bash
# Brings a machine with only Node 20 to a built checkout: pnpm, dependencies, build.
# With --test-deps it also installs (as root, from Debian) what the tests drive for real:
# the OpenSSH client and server, Chromium, redis-server and nats-server.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=9.15.9
if ! command -v pnpm >/dev/null 2>&1; then
  echo "bootstrap: installing pnpm ${PNPM_VERSION}"
  if [ "$(id -u)" = 0 ] || [ -w "$(npm prefix -g)/lib" ]; then
    npm install -g --silent "pnpm@${PNPM_VERSION}"
  else
    corepack enable --install-directory "$HOME/.local/bin" pnpm && export PATH="$HOME/.local/bin:$PATH"
  fi
fi

if [ "${1:-}" = "--test-deps" ]; then
  need=()
  command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
  [ -x /usr/sbin/sshd ] || need+=(openssh-server)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || need+=(nats-server)
  command -v script >/dev/null 2>&1 || need+=(bsdutils)
  command -v kubectl >/dev/null 2>&1 || need+=(kubectl)
  if [ "${#need[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "bootstrap: installing ${need[*]}"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      # kubectl is not in every Debian release; the manifest test skips rendering without it.
      apt-get install -y -qq --no-install-recommends "${need[@]/kubectl/}" >/dev/null
      apt-get install -y -qq --no-install-recommends kubectl >/dev/null 2>&1 || true
    else
      echo "bootstrap: the tests need ${need[*]}; install them (e.g. sudo apt-get install ${need[*]})" >&2
      exit 1
    fi
  fi
fi

pnpm install --frozen-lockfile --reporter=silent
pnpm exec turbo run build --output-logs=errors-only
