FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# the map client and the embedded demo database image (`npm ci` ran before the sources were here)
RUN npm run prepare:start
ENV NODE_ENV=production PORT=3000
EXPOSE 3000
CMD ["npx", "tsx", "server/src/main.ts"]
