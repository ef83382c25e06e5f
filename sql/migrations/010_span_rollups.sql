-- Span RED metrics per service and span name per minute: span count, errors, duration sum and
-- t-digest quantile states. Filled on every insert into otel_traces; the services overview and
-- per-operation figures read these few rows instead of the spans.
CREATE TABLE IF NOT EXISTS {{database}}.{{table:otel_traces_red_1m}} {{on_cluster}} (
    Minute DateTime CODEC(Delta, ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    Spans SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    Errors SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    DurationSum SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    Durations AggregateFunction(quantilesTDigest(0.5, 0.9, 0.95, 0.99), UInt64) CODEC(ZSTD(1))
) ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toDate(Minute)
ORDER BY (Minute, ServiceName, SpanName)
TTL Minute + toIntervalDay({{ttl_days:traces}}) DELETE
SETTINGS ttl_only_drop_parts = 1;

{{distributed:otel_traces_red_1m:cityHash64(ServiceName)}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.otel_traces_red_1m_mv {{on_cluster}}
TO {{database}}.{{table:otel_traces_red_1m}}
AS SELECT
    toStartOfMinute(Timestamp) AS Minute,
    ServiceName,
    SpanName,
    count() AS Spans,
    countIf(StatusCode = 'Error') AS Errors,
    sum(Duration) AS DurationSum,
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(Duration) AS Durations
FROM {{database}}.{{table:otel_traces}}
GROUP BY Minute, ServiceName, SpanName;

-- Service/operation catalog: one row per (service, span name) after merges, the newest kept.
-- Read with FINAL (rows of unmerged parts are otherwise duplicates).
CREATE TABLE IF NOT EXISTS {{database}}.{{table:otel_service_catalog}} {{on_cluster}} (
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    LastSeen DateTime CODEC(Delta, ZSTD(1))
) ENGINE = {{engine:ReplacingMergeTree:LastSeen}}
ORDER BY (ServiceName, SpanName)
TTL LastSeen + toIntervalDay({{ttl_days:traces}}) DELETE;

{{distributed:otel_service_catalog:cityHash64(ServiceName)}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.otel_service_catalog_mv {{on_cluster}}
TO {{database}}.{{table:otel_service_catalog}}
AS SELECT
    ServiceName,
    SpanName,
    any(SpanKind) AS SpanKind,
    toDateTime(max(Timestamp)) AS LastSeen
FROM {{database}}.{{table:otel_traces}}
GROUP BY ServiceName, SpanName;

-- In-memory lookup over the catalog: dictGet('otel_service_catalog_dict', 'SpanKind', (service, span)).
CREATE DICTIONARY IF NOT EXISTS {{database}}.otel_service_catalog_dict {{on_cluster}} (
    ServiceName String,
    SpanName String,
    SpanKind String,
    LastSeen DateTime
)
PRIMARY KEY ServiceName, SpanName
SOURCE(CLICKHOUSE(QUERY 'SELECT ServiceName, SpanName, SpanKind, LastSeen FROM {{database}}.otel_service_catalog FINAL'))
LIFETIME(MIN 30 MAX 120)
LAYOUT(COMPLEX_KEY_HASHED());
