-- Service map: the two halves of every cross-process call, materialized on insert.
--
-- A call from service A to service B leaves a CLIENT (or PRODUCER) span in A and a SERVER (or
-- CONSUMER) span in B whose ParentSpanId is the client span's SpanId. The halves arrive in any
-- order, from different processes, in different insert blocks, so they cannot be paired inside a
-- materialized view (a view sees one block). Instead each half is written here keyed by the call's
-- id, (TraceId, client SpanId), and sql/service_map.ts pairs them with one GROUP BY per query:
-- exact whatever the arrival order, and only cross-process spans are kept (a fraction of all
-- spans). A client half without a server half is a call to something not instrumented: its peer
-- (peer.service, server.address, net.peer.name, db.system, messaging.system) names the node.
CREATE TABLE IF NOT EXISTS {{database}}.{{table:otel_service_calls}} {{on_cluster}} (
    Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    CallSpanId String CODEC(ZSTD(1)),
    Side Enum8('client' = 1, 'server' = 2),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    Peer LowCardinality(String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(ZSTD(1)),
    IsError UInt8 CODEC(ZSTD(1))
) ENGINE = {{engine:MergeTree}}
PARTITION BY toDate(Timestamp)
ORDER BY (toStartOfMinute(Timestamp), TraceId, CallSpanId)
TTL toDateTime(Timestamp) + toIntervalDay({{ttl_days:traces}}) DELETE
SETTINGS ttl_only_drop_parts = 1;

{{distributed:otel_service_calls:cityHash64(TraceId)}};

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.otel_service_calls_mv {{on_cluster}}
TO {{database}}.{{table:otel_service_calls}}
AS SELECT
    Timestamp,
    TraceId,
    if(SpanKind IN ('Client', 'Producer'), SpanId, ParentSpanId) AS CallSpanId,
    if(SpanKind IN ('Client', 'Producer'), 'client', 'server') AS Side,
    ServiceName,
    SpanName,
    if(SpanKind IN ('Client', 'Producer'), multiIf(
        SpanAttributes['peer.service'] != '', SpanAttributes['peer.service'],
        SpanAttributes['server.address'] != '', SpanAttributes['server.address'],
        SpanAttributes['net.peer.name'] != '', SpanAttributes['net.peer.name'],
        SpanAttributes['db.system.name'] != '', SpanAttributes['db.system.name'],
        SpanAttributes['db.system'] != '', SpanAttributes['db.system'],
        SpanAttributes['messaging.system']), '') AS Peer,
    Duration,
    toUInt8(StatusCode = 'Error') AS IsError
FROM {{database}}.{{table:otel_traces}}
WHERE TraceId != '' AND (SpanKind IN ('Client', 'Producer')
    OR (SpanKind IN ('Server', 'Consumer') AND ParentSpanId != ''));
