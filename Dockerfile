FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY core ./core
COPY storage ./storage
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /data --create-home samson
ENV DATABASE_URL=sqlite:////data/samson.db \
    SAMSON_HTTP_HOST=0.0.0.0 \
    SAMSON_HTTP_PORT=8080 \
    MPLCONFIGDIR=/tmp/matplotlib
USER samson
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('SAMSON_HTTP_PORT', '8080')}/healthz\", timeout=4)"]
CMD ["samson", "run"]
