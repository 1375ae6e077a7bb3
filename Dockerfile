# One image for every service; the command picks which (see docker-compose.yml).
# The console's front-end packages from npm (package-lock.json), built in a stage of their own.
FROM node:20-slim AS console-assets
WORKDIR /web
COPY services/console/web/package.json services/console/web/package-lock.json ./
RUN npm ci --no-audit --no-fund && mkdir vendor \
    && cp node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js vendor/

FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY contracts contracts
COPY kit kit
COPY services services
COPY --from=console-assets /web/vendor services/console/static/vendor
COPY cli cli
COPY demo demo
RUN pip install --no-cache-dir .
ENV MCU_HTTP_HOST=0.0.0.0 MCU_DATA_DIR=/data
VOLUME /data
ENTRYPOINT ["mcu"]
