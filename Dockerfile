# One image for every service; the command picks which (see docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY contracts contracts
COPY kit kit
COPY services services
COPY cli cli
COPY demo demo
RUN pip install --no-cache-dir .
ENV MCU_HTTP_HOST=0.0.0.0 MCU_DATA_DIR=/data
VOLUME /data
ENTRYPOINT ["mcu"]
