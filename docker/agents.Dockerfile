# Image with the a2a-mqtt CLI and the demo (built from the repository root):
#   docker build -f docker/agents.Dockerfile -t a2a-mqtt-agents:local .
# Entry point: `a2a-mqtt` (e.g. `serve echo`); the demo is `node apps/demo/dist/main.mjs`.
FROM node:20-bookworm-slim

# No NODE_ENV=production here: the build needs the dev dependencies (turbo, tsdown, typescript).
ENV PNPM_HOME=/pnpm \
    PATH=/pnpm:$PATH \
    COREPACK_INTEGRITY_KEYS=0
RUN corepack enable && corepack prepare pnpm@10.34.9 --activate

WORKDIR /repo
COPY . .
RUN pnpm install --frozen-lockfile \
 && pnpm turbo run build --filter=@a2a-mqtt/cli... --filter=@a2a-mqtt/demo... --output-logs=errors-only

USER node
ENTRYPOINT ["node", "/repo/apps/cli/dist/main.mjs"]
CMD ["--help"]
