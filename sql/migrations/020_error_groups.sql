-- Error groups: errors sharing an `error.fingerprint` (computed at ingest by otlp/error_fingerprint.ts
-- and by the collector's errorfingerprint processor, stored in SpanAttributes / LogAttributes).
-- Per group, service and minute: span and log occurrences, first/last time seen, and the newest
-- occurrence as the sample (trace id, span id, exception type, message). /api/errors reads these
-- rows instead of scanning the spans and logs.
CREATE TABLE IF NOT EXISTS {{database}}.{{table:otel_error_groups_1m}} {{on_cluster}} (
    Minute DateTime CODEC(Delta, ZSTD(1)),
    Fingerprint String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Spans SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    Logs SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    FirstSeen SimpleAggregateFunction(min, DateTime64(9)) CODEC(ZSTD(1)),
    LastSeen SimpleAggregateFunction(max, DateTime64(9)) CODEC(ZSTD(1)),
    Sample AggregateFunction(argMax, Tuple(String, String, String, String), DateTime64(9)) CODEC(ZSTD(1))
) ENGINE = {{engine:AggregatingMergeTree}}
PARTITION BY toDate(Minute)
ORDER BY (Minute, Fingerprint, ServiceName)
TTL Minute + toIntervalDay({{ttl_days:traces}}) DELETE
SETTINGS ttl_only_drop_parts = 1;

{{distributed:otel_error_groups_1m:cityHash64(Fingerprint)}};

-- The sample tuple is (TraceId, SpanId, exception type, message): the last `exception` event's
-- attributes when the span has one, else the span's own attributes, status message or name
-- (the same precedence as spanErrorInput in otlp/error_fingerprint.ts).
CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.otel_error_groups_1m_spans_mv {{on_cluster}}
TO {{database}}.{{table:otel_error_groups_1m}}
AS SELECT
    toStartOfMinute(Timestamp) AS Minute,
    SpanAttributes['error.fingerprint'] AS Fingerprint,
    ServiceName,
    count() AS Spans,
    toUInt64(0) AS Logs,
    min(Timestamp) AS FirstSeen,
    max(Timestamp) AS LastSeen,
    argMaxState(
        tuple(
            TraceId,
            SpanId,
            if(has(Events.Name, 'exception'),
                Events.Attributes[arrayLastIndex(n -> n = 'exception', Events.Name)]['exception.type'],
                if(SpanAttributes['exception.type'] != '', SpanAttributes['exception.type'], SpanAttributes['error.type'])),
            leftUTF8(if(has(Events.Name, 'exception'),
                Events.Attributes[arrayLastIndex(n -> n = 'exception', Events.Name)]['exception.message'],
                multiIf(SpanAttributes['exception.message'] != '', SpanAttributes['exception.message'],
                    StatusMessage != '', StatusMessage, SpanName)), 1024)
        ),
        Timestamp
    ) AS Sample
FROM {{database}}.{{table:otel_traces}}
WHERE SpanAttributes['error.fingerprint'] != ''
GROUP BY Minute, Fingerprint, ServiceName;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.otel_error_groups_1m_logs_mv {{on_cluster}}
TO {{database}}.{{table:otel_error_groups_1m}}
AS SELECT
    toStartOfMinute(Timestamp) AS Minute,
    LogAttributes['error.fingerprint'] AS Fingerprint,
    ServiceName,
    toUInt64(0) AS Spans,
    count() AS Logs,
    min(Timestamp) AS FirstSeen,
    max(Timestamp) AS LastSeen,
    argMaxState(
        tuple(
            TraceId,
            SpanId,
            LogAttributes['exception.type'],
            leftUTF8(if(LogAttributes['exception.message'] != '', LogAttributes['exception.message'], Body), 1024)
        ),
        Timestamp
    ) AS Sample
FROM {{database}}.{{table:otel_logs}}
WHERE LogAttributes['error.fingerprint'] != ''
GROUP BY Minute, Fingerprint, ServiceName;

-- One row per fingerprint after merges: when it was first and last seen over the whole retention.
-- "New error group" alerts and the groups' `firstSeenEver` read it, never the per-minute rows.
CREATE TABLE IF NOT EXISTS {{database}}.{{table:otel_error_group_catalog}} {{on_cluster}} (
    Fingerprint String CODEC(ZSTD(1)),
    FirstSeen SimpleAggregateFunction(min, DateTime64(9)) CODEC(ZSTD(1)),
    LastSeen SimpleAggregateFunction(max, DateTime64(9)) CODEC(ZSTD(1)),
    Occurrences SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1))
) ENGINE = {{engine:AggregatingMergeTree}}
ORDER BY Fingerprint
TTL toDateTime(LastSeen) + toIntervalDay({{ttl_days:traces}}) DELETE;

{{distributed:otel_error_group_catalog:cityHash64(Fingerprint)}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.otel_error_group_catalog_spans_mv {{on_cluster}}
TO {{database}}.{{table:otel_error_group_catalog}}
AS SELECT
    SpanAttributes['error.fingerprint'] AS Fingerprint,
    min(Timestamp) AS FirstSeen,
    max(Timestamp) AS LastSeen,
    count() AS Occurrences
FROM {{database}}.{{table:otel_traces}}
WHERE SpanAttributes['error.fingerprint'] != ''
GROUP BY Fingerprint;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.otel_error_group_catalog_logs_mv {{on_cluster}}
TO {{database}}.{{table:otel_error_group_catalog}}
AS SELECT
    LogAttributes['error.fingerprint'] AS Fingerprint,
    min(Timestamp) AS FirstSeen,
    max(Timestamp) AS LastSeen,
    count() AS Occurrences
FROM {{database}}.{{table:otel_logs}}
WHERE LogAttributes['error.fingerprint'] != ''
GROUP BY Fingerprint;
