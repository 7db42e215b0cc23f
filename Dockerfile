# One image for every Tenax process; docker-compose.yml picks the command.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY proto/package.json proto/
COPY sdk-ts/package.json sdk-ts/
COPY test/package.json test/
COPY services/state/package.json services/state/
COPY services/common/package.json services/common/
COPY services/ingest/package.json services/ingest/
COPY services/scheduler/package.json services/scheduler/
COPY services/executor/package.json services/executor/
COPY services/cli/package.json services/cli/
RUN npm ci --no-audit --no-fund
COPY . .
USER node
