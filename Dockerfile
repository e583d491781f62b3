# Build stage: every package (the client's build tools are devDependencies), then the map client.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:client

# Runtime: the server's dependencies only, and the built client.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
COPY --from=build /app/client/dist client/dist
# the embedded demo database image, so that the first start is quick
RUN npm run prepare:start
ENV NODE_ENV=production PORT=3000
EXPOSE 3000
# the server from its plain JavaScript bundle, built by prepare:start above (as `npm start` runs it)
CMD ["node", "scripts/npm-start.js"]
