# syntax=docker/dockerfile:1
# One image for every Drawbridge service; the service is chosen by the command (see
# deploy/docker/entrypoint.sh): `ssh-edge`, `authn`, `authz`, `proxy-edge`, `dev-idp`,
# `drawbridge …`, or a full `node services/<name>/dist/main.js --config /etc/drawbridge`.
#
#   docker build -t drawbridge .
#   docker build --build-arg SERVICE=ssh-edge -t drawbridge-ssh-edge .   # default service baked in
#
# NODE_IMAGE can point at a mirror when Docker Hub is not reachable.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
ENV PNPM_HOME=/pnpm \
    PATH=/pnpm:$PATH \
    CI=true \
    TURBO_TELEMETRY_DISABLED=1 \
    DO_NOT_TRACK=1
# npm rather than corepack: corepack verifies pnpm's signature against keys baked into the Node
# release, which broke builds when pnpm rotated its signing key.
RUN npm install -g --no-fund --no-audit pnpm@9.15.9 \
 && pnpm config set store-dir /pnpm/store
WORKDIR /app

# Only the lockfile decides this layer, so source edits reuse the downloaded store.
FROM base AS fetch
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
RUN pnpm fetch --frozen-lockfile

FROM fetch AS build
COPY . .
RUN pnpm install --offline --frozen-lockfile \
 && pnpm exec turbo run build --filter=@drawbridge/cli... --output-logs=errors-only

# Production dependencies of the CLI and everything it runs (all services and packages); the
# test workspace (playwright, autocannon, …) and the dev toolchain stay out of the image.
FROM build AS prod
RUN rm -rf node_modules packages/*/node_modules services/*/node_modules test \
 && pnpm --filter "@drawbridge/cli..." install --offline --frozen-lockfile --prod \
 && rm -rf scripts .turbo packages/*/.turbo services/*/.turbo \
 && find packages services -name '*.tsbuildinfo' -delete

FROM ${NODE_IMAGE} AS runtime
# tini is PID 1 so SIGTERM reaches Node and the ssh_drain_grace_period drain runs; it also reaps
# zombies. No curl: the HEALTHCHECK uses node itself.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ARG SERVICE=""
ENV NODE_ENV=production \
    DRAWBRIDGE_SERVICE=${SERVICE} \
    DRAWBRIDGE_CONFIG=/etc/drawbridge \
    HEALTH_ADDRESS=:9090
WORKDIR /app
# Owned by root and not writable by the service user: the container works with a read-only root
# filesystem; it writes only to mounted volumes and /tmp.
COPY --from=prod /app /app
RUN chmod 0755 /app/deploy/docker/entrypoint.sh \
 && mkdir -p /etc/drawbridge /var/lib/drawbridge \
 && chown node:node /var/lib/drawbridge
USER node
EXPOSE 8443 2222 7000 8080 5556 9090
VOLUME ["/var/lib/drawbridge"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "/app/deploy/docker/healthcheck.mjs"]
ENTRYPOINT ["/usr/bin/tini", "--", "/app/deploy/docker/entrypoint.sh"]
CMD []
