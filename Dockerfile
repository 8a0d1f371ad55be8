# ClusterClaw: `claw serve` on Node 24.
#   docker build -t clusterclaw:0.1.0 .
# Multi-stage, production dependencies only, non-root, read-only root filesystem friendly (writes
# go to /tmp and /data only), any UID in group 0 works too (OpenShift's restricted-v2 SCC).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The `node` devDependency pins Node 24 on development machines; the image already has it.
RUN npm ci --omit=dev --no-audit --no-fund
# OpenClaw, pinned apart from the dependencies (its installer refuses Node 20; this image is Node 24).
COPY agent-clis/package.json agent-clis/package-lock.json ./agent-clis/
RUN npm ci --prefix agent-clis --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
# git: repositories, the CI gate and delivery use the real git, and so does an agent Job's pod.
RUN command -v git >/dev/null || { apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*; }
ENV NODE_ENV=production CLAW_DATA_DIR=/data PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/agent-clis ./agent-clis
COPY package.json ./
COPY src ./src
COPY migrations ./migrations
RUN mkdir -p /data && chown 10001:0 /data && chmod 0770 /data
USER 10001:0
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node is PID 1: `claw serve` handles SIGTERM itself (stop claiming, hand runs back, flush, exit).
ENTRYPOINT ["node", "src/cli/claw.ts"]
CMD ["serve"]
