# Tracehouse as one compiled binary (`deno compile`), with the embedded engine's library beside it.
# Used by compose.yaml (remote ClickHouse via CLICKHOUSE_URL); `docker run` without CLICKHOUSE_URL
# uses the embedded engine with data in the /data volume. It runs as an unprivileged user and
# binds 0.0.0.0, so it refuses to start without TRACEHOUSE_INGEST_TOKEN and TRACEHOUSE_QUERY_TOKEN
# (or their *_FILE forms, e.g. Docker secrets under /run/secrets); see docs/security.md.
FROM denoland/deno:2.9.6 AS build
WORKDIR /src
COPY . .
RUN deno install \
 && deno run -A ui/build/build.ts \
 && deno compile -A --include sql/migrations --include static/build --include otlp/receiver_worker.ts --output /out/tracehouse main.ts \
 && cp node_modules/@chdb/lib-linux-x64-gnu/libchdb.so /out/libchdb.so

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data tracehouse \
 && mkdir -p /data && chown tracehouse /data
COPY --from=build /out/tracehouse /usr/local/bin/tracehouse
COPY --from=build /out/libchdb.so /usr/local/lib/tracehouse/libchdb.so
ENV CHDB_LIB_PATH=/usr/local/lib/tracehouse/libchdb.so \
    TRACEHOUSE_DATA=/data \
    TRACEHOUSE_HOST=0.0.0.0
USER tracehouse
VOLUME /data
EXPOSE 8080 4318
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=5 \
  CMD ["curl", "-fsS", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["/usr/local/bin/tracehouse"]
CMD ["serve"]
