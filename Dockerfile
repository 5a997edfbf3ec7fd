# The worker and API image: compiled TypeScript and a prebuilt workflow bundle.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
# The image's own Node.js 24 runs the service: the runtime package.json provides for older systems goes.
RUN PRISMA_SCHEMA_ENGINE_BINARY=/app/prisma/no-schema-engine.sh npx prisma generate \
 && npm run build \
 && npm prune --omit=dev \
 && rm -rf node_modules/node-linux-* node_modules/.bin/node

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma/migrations ./prisma/migrations
USER node
EXPOSE 3000
CMD ["node", "dist/api/main.js"]
