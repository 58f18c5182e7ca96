FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY core ./core
COPY storage ./storage
RUN pip install --no-cache-dir .
ENV DATABASE_URL=sqlite:////data/samson.db \
    SAMSON_HTTP_HOST=0.0.0.0 \
    MPLCONFIGDIR=/tmp/matplotlib
VOLUME /data
EXPOSE 8080
CMD ["samson", "run"]
