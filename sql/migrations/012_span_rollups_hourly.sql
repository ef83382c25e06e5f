-- Span RED metrics per service and span name per hour: the same figures as otel_traces_red_1m,
-- 60 times fewer rows. Long ranges read whole hours from here and only the partial hours at
-- their edges from the per-minute rollup (sql/services.ts).
CREATE TABLE IF NOT EXISTS {{database}}.{{table:otel_traces_red_1h}} {{on_cluster}} (
    Hour DateTime CODEC(Delta, ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    Spans SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    Errors SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    DurationSum SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    Durations AggregateFunction(quantilesTDigest(0.5, 0.9, 0.95, 0.99), UInt64) CODEC(ZSTD(1))
) ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toYYYYMM(Hour)
ORDER BY (Hour, ServiceName, SpanName)
TTL Hour + toIntervalDay({{ttl_days:traces}}) DELETE
SETTINGS ttl_only_drop_parts = 1;

{{distributed:otel_traces_red_1h:cityHash64(ServiceName)}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.otel_traces_red_1h_mv {{on_cluster}}
TO {{database}}.{{table:otel_traces_red_1h}}
AS SELECT
    toStartOfHour(Timestamp) AS Hour,
    ServiceName,
    SpanName,
    count() AS Spans,
    countIf(StatusCode = 'Error') AS Errors,
    sum(Duration) AS DurationSum,
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(Duration) AS Durations
FROM {{database}}.{{table:otel_traces}}
GROUP BY Hour, ServiceName, SpanName;
